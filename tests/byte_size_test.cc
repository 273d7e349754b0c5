#include "util/byte_size.h"

#include <gtest/gtest.h>

namespace lmzip {
namespace {

TEST(ByteSize, SiIsDecimalAndIecIsBinary) {
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  EXPECT_EQ(*ParseByteSize("100000"), 100000u);
  EXPECT_EQ(*ParseByteSize("12B"), 12u);
  EXPECT_EQ(*ParseByteSize("64k"), 64000u);
  EXPECT_EQ(*ParseByteSize("64K"), 64000u);
  EXPECT_EQ(*ParseByteSize("64kB"), 64000u);
  EXPECT_EQ(*ParseByteSize("100M"), 100000000u);
  EXPECT_EQ(*ParseByteSize("1GB"), 1000000000u);
  EXPECT_EQ(*ParseByteSize("2Ki"), 2048u);
  EXPECT_EQ(*ParseByteSize("1MiB"), 1048576u);
  EXPECT_EQ(*ParseByteSize("3Gi"), 3ull << 30);
  EXPECT_EQ(*ParseByteSize("18446744073709551615"), UINT64_MAX);
}

TEST(ByteSize, RejectsWhatIsNotASize) {
  for (const char* bad : {"", "k", "-1", "1.5M", "1 M", "1m", "1Mb", "1T", "1KiBB", " 1", "1k ", "0x10",
                          "18446744073709551616", "18446744073709552G"}) {
    const auto r = ParseByteSize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_NE(r.status().message().find("size"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace lmzip
