#include "data/dataset.h"
#include "data/files.h"

namespace lmzip {

Result<Dataset> LoadImageFolder(const std::string& path, uint64_t max_bytes) {
  Dataset data;
  data.modality = Modality::kImage;
  data.source = path;
  LMZIP_ASSIGN_OR_RETURN(std::vector<std::string> files, ListFilesSorted(path));
  size_t ignored = 0;
  for (const std::string& file : files) {
    if (max_bytes != 0 && data.bytes.size() + uint64_t{kPatchRows} * kPatchCols > max_bytes) break;
    if (!HasExtension(file, {".png", ".jpg", ".jpeg"})) {
      ++ignored;
      continue;
    }
    auto bytes = ReadFilePrefix(file, 0);
    if (!bytes.ok()) {
      data.warnings.push_back(file + ": skipped: " + bytes.status().ToString());
      continue;
    }
    auto image = DecodeImageAsGray(*bytes);
    if (!image.ok()) {
      data.warnings.push_back(file + ": skipped: " + image.status().ToString());
      continue;
    }
    if (AppendPatches(*image, kPatchRows, kPatchCols, max_bytes, &data.bytes) > 0) {
      ++data.files_used;
    } else if (image->width < kPatchCols || image->height < kPatchRows) {
      data.warnings.push_back(file + ": skipped: smaller than one " + std::to_string(kPatchRows) +
                              " x " + std::to_string(kPatchCols) + " patch");
    }
  }
  if (data.bytes.empty()) {
    return Status::InvalidArgument(path + ": no usable PNG or JPEG image (" +
                                   std::to_string(files.size()) + " files, " +
                                   std::to_string(data.warnings.size()) + " unreadable, " +
                                   std::to_string(ignored) + " without an image extension)");
  }
  return data;
}

}  // namespace lmzip
