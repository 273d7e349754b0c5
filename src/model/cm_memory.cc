#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "model/cm_components.h"

namespace lmzip::cm {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}  // namespace

ZeroBlock::ZeroBlock(size_t bytes) {
  if (bytes == 0) return;
  if (bytes >= kHugePage) {
    const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
    data_ = p;
    bytes_ = rounded;
    mapped_ = true;
    return;
  }
  // Cache-line aligned, zeroed.
  const size_t rounded = (bytes + 63) & ~size_t{63};
  void* p = std::aligned_alloc(64, rounded);
  if (p == nullptr) return;
  __builtin_memset(p, 0, rounded);
  data_ = p;
  bytes_ = rounded;
}

ZeroBlock::~ZeroBlock() { Release(); }

bool ZeroBlock::Grow(size_t bytes) {
  if (bytes <= bytes_) return true;
  if (mapped_) {
    // Remapping moves page tables, not bytes; the new pages read as zero.
    const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = mremap(data_, bytes_, rounded, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return false;
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE);
#endif
    data_ = p;
    bytes_ = rounded;
    return true;
  }
  ZeroBlock bigger(bytes);
  if (bigger.data_ == nullptr) return false;
  if (data_ != nullptr) std::memcpy(bigger.data_, data_, bytes_);
  *this = std::move(bigger);
  return true;
}

ZeroBlock::ZeroBlock(const ZeroBlock& other) : ZeroBlock(other.bytes_) {
  if (data_ != nullptr && other.data_ != nullptr) std::memcpy(data_, other.data_, other.bytes_);
}

ZeroBlock& ZeroBlock::operator=(const ZeroBlock& other) {
  if (this != &other) *this = ZeroBlock(other);
  return *this;
}

ZeroBlock& ZeroBlock::operator=(ZeroBlock&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    mapped_ = std::exchange(other.mapped_, false);
  }
  return *this;
}

void ZeroBlock::Release() {
  if (data_ == nullptr) return;
  if (mapped_) {
    munmap(data_, bytes_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
}

}  // namespace lmzip::cm
