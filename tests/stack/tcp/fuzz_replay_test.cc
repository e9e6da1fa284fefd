// Every input in fuzz_repro/ once made tcp_fuzz fail. The fuzz target itself is linked in here
// (fuzz_segments.cc), so the ordinary g++ test run replays each input through the same harness
// and the same invariant checks; a broken invariant traps and fails this test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

TEST(TcpFuzzReplay, EveryRecordedCrashInputNowPasses) {
  const std::filesystem::path dir = SLUICE_TCP_FUZZ_REPRO_DIR;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()), 0);
    ++replayed;
  }
  EXPECT_GT(replayed, 0);
}

}  // namespace
