#include "generate/next_byte.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "codec/registry.h"

namespace lmzip::generate {

Status NextByteModel::Observe(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) LMZIP_RETURN_IF_ERROR(Observe(b));
  return Status::Ok();
}

// ---- predictors ----

namespace {

// Fills out[leaf] with P(path) for every byte below `node` (1..255, the byte tree with
// a leading 1), where `model` stands at that node having seen the path's bits and
// `mass` is the path's probability. Consumes `model`. False when a copy of the model
// could not be made (out of memory).
bool WalkBitTree(std::unique_ptr<Predictor> model, int node, double mass, ByteDistribution& out) {
  std::unique_ptr<Predictor> one = node < 128 ? model->Clone() : nullptr;
  if (node < 128 && one == nullptr) return false;
  const double p1 = model->PredictBit() / 65536.0;
  if (node >= 128) {
    out[static_cast<size_t>((node - 128) * 2)] = mass * (1 - p1);
    out[static_cast<size_t>((node - 128) * 2 + 1)] = mass * p1;
    return true;
  }
  model->UpdateBit(0);
  if (!WalkBitTree(std::move(model), node * 2, mass * (1 - p1), out)) return false;
  one->PredictBit();
  one->UpdateBit(1);
  return WalkBitTree(std::move(one), node * 2 + 1, mass * p1, out);
}

}  // namespace

PredictorNextByte::PredictorNextByte(std::string name, std::unique_ptr<Predictor> model)
    : name_(std::move(name)), model_(std::move(model)) {
  clonable_ = model_->granularity() == Predictor::Granularity::kBit && model_->CanClone();
}

bool PredictorNextByte::has_distribution() const {
  return model_->granularity() == Predictor::Granularity::kByte || clonable_;
}

Result<ByteDistribution> PredictorNextByte::Distribution() {
  if (bits_pending_ != 0) return Status::InvalidArgument(name_ + ": inside a byte");
  ByteDistribution p{};
  if (model_->granularity() == Predictor::Granularity::kByte) {
    uint32_t cdf[257];
    model_->PredictByte(std::span<uint32_t, 257>(cdf, 257));
    for (int b = 0; b < 256; ++b) p[static_cast<size_t>(b)] = (cdf[b + 1] - cdf[b]) / 65536.0;
    return p;
  }
  if (!clonable_) {
    return Status::NotSupported(name_ + " cannot be cloned, so it gives no whole byte distribution");
  }
  std::unique_ptr<Predictor> walker = model_->Clone();
  if (walker == nullptr || !WalkBitTree(std::move(walker), 1, 1.0, p)) {
    return Status::IOError(name_ + ": out of memory for a copy of the model");
  }
  return p;
}

Result<double> PredictorNextByte::BitProbability() {
  if (model_->granularity() != Predictor::Granularity::kBit) {
    return Status::NotSupported(name_ + " is a bytewise model");
  }
  if (bit_prediction_ == 0) bit_prediction_ = std::clamp<uint32_t>(model_->PredictBit(), 1, 65535);
  return bit_prediction_ / 65536.0;
}

Status PredictorNextByte::ObserveBit(int bit) {
  if (model_->granularity() != Predictor::Granularity::kBit) {
    return Status::NotSupported(name_ + " is a bytewise model");
  }
  if (bit_prediction_ == 0) model_->PredictBit();
  model_->UpdateBit(bit & 1);
  bit_prediction_ = 0;
  bits_pending_ = (bits_pending_ + 1) % 8;
  return Status::Ok();
}

Status PredictorNextByte::Observe(uint8_t byte) {
  if (bits_pending_ != 0) return Status::InvalidArgument(name_ + ": inside a byte");
  if (model_->granularity() == Predictor::Granularity::kByte) {
    uint32_t cdf[257];
    model_->PredictByte(std::span<uint32_t, 257>(cdf, 257));
    model_->UpdateByte(byte);
    return Status::Ok();
  }
  for (int i = 7; i >= 0; --i) LMZIP_RETURN_IF_ERROR(ObserveBit((byte >> i) & 1));
  return Status::Ok();
}

// ---- codecs ----

CodecNextByte::CodecNextByte(std::unique_ptr<Codec> codec, size_t window)
    : codec_(std::move(codec)), window_(window) {}

Status CodecNextByte::Observe(uint8_t byte) {
  history_.push_back(byte);
  // Keep the buffer bounded: drop what the window no longer sees, now and then.
  if (window_ != 0 && history_.size() > 4 * window_ + 4096) {
    history_.erase(history_.begin(), history_.end() - static_cast<std::ptrdiff_t>(window_));
  }
  return Status::Ok();
}

Result<std::array<int64_t, 256>> CodecNextByte::ExtraBits() {
  const size_t start = window_ != 0 && history_.size() > window_ ? history_.size() - window_ : 0;
  std::vector<uint8_t> x(history_.begin() + static_cast<std::ptrdiff_t>(start), history_.end());
  LMZIP_ASSIGN_OR_RETURN(std::vector<uint8_t> base, codec_->Compress(x));
  std::array<int64_t, 256> extra{};
  x.push_back(0);
  for (int b = 0; b < 256; ++b) {
    x.back() = static_cast<uint8_t>(b);
    LMZIP_ASSIGN_OR_RETURN(std::vector<uint8_t> longer, codec_->Compress(x));
    extra[static_cast<size_t>(b)] =
        8 * (static_cast<int64_t>(longer.size()) - static_cast<int64_t>(base.size()));
  }
  return extra;
}

Result<ByteDistribution> CodecNextByte::Distribution() {
  LMZIP_ASSIGN_OR_RETURN(auto extra, ExtraBits());
  const int64_t least = *std::min_element(extra.begin(), extra.end());
  ByteDistribution p{};
  double total = 0;
  for (size_t b = 0; b < 256; ++b) {
    p[b] = std::exp2(-static_cast<double>(extra[b] - least));
    total += p[b];
  }
  for (double& v : p) v /= total;
  return p;
}

// ---- references ----

std::string TransformerFamily() {
  for (const std::string& name : ModelNames()) {
    if (name == "transformer" || name == "tf") return name;
  }
  return {};
}

Result<std::unique_ptr<NextByteModel>> CreateNextByteModel(std::string_view reference,
                                                           const ModelOptions& options) {
  const std::string ref(reference);
  if (ref.empty()) return Status::InvalidArgument("empty model name");
  if (ref.size() > 5 && ref.ends_with(".gguf")) {
    const std::string family = TransformerFamily();
    if (family.empty()) return Status::NotSupported("this build runs no transformer (" + ref + ")");
    ModelSpec spec;
    spec.name = family;
    spec.weights_path = ref;
    spec.input_size = options.expected_bytes;
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(spec));
    return std::unique_ptr<NextByteModel>(std::make_unique<PredictorNextByte>(ref, std::move(model)));
  }
  // "<family>" or "<family>-<level>" of lmzip's predictors.
  for (const std::string& family : ModelNames()) {
    if (ref != family && !ref.starts_with(family + "-")) continue;
    ModelSpec spec;
    spec.name = family;
    spec.level = family == "cm" ? 6 : 1;
    if (ref != family) {
      const std::string level = ref.substr(family.size() + 1);
      if (level.size() != 1 || level[0] < '1' || level[0] > '9') {
        return Status::InvalidArgument("model '" + ref + "': level must be 1..9");
      }
      spec.level = level[0] - '0';
    }
    spec.input_size = options.expected_bytes;
    LMZIP_ASSIGN_OR_RETURN(std::unique_ptr<Predictor> model, CreateModel(spec));
    if (model == nullptr) return Status::InvalidArgument("model '" + ref + "' could not be made");
    const std::string name = family + "-" + std::to_string(spec.level);
    return std::unique_ptr<NextByteModel>(std::make_unique<PredictorNextByte>(name, std::move(model)));
  }
  auto codec = CreateCodec(ref);
  if (!codec.ok()) {
    std::string known;
    for (const std::string& n : ModelNames()) known += n + "[-LEVEL], ";
    for (const std::string& n : BaselineCodecNames()) known += n + ", ";
    return Status::InvalidArgument("unknown model '" + ref + "' (known: " + known + "FILE.gguf)");
  }
  return std::unique_ptr<NextByteModel>(
      std::make_unique<CodecNextByte>(std::move(codec).value(), options.codec_window));
}

}  // namespace lmzip::generate
