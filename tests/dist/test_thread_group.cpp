// dist::ThreadGroup: threads of one process as the ranks of a job (dist/thread_group.h).
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "dist/thread_group.h"

using namespace iqnas;

TEST(ThreadGroup, CollectivesGiveEveryRankTheSameResult) {
  dist::ThreadGroup g(3);
  std::vector<std::vector<float>> sums(3), means(3);
  std::vector<std::vector<double>> dsums(3);
  std::vector<int> roots(3);
  std::vector<std::vector<std::string>> gathered(3);
  g.run([&](dist::Communicator& c) {
    const int r = c.rank();
    EXPECT_EQ(c.size(), 3);
    std::vector<float> a(30000), m(7);  // a: summed in slices, one per rank; m: by the last rank alone
    for (size_t i = 0; i < a.size(); ++i) a[i] = float(i) * float(r + 1);
    for (size_t i = 0; i < m.size(); ++i) m[i] = float(r);
    // Two all-reduces in flight while a blocking one (and a barrier) completes in between: they
    // are matched by their order on each rank, not by completion.
    auto pa = c.start_allreduce(a.data(), a.size(), dist::ReduceOp::Sum, "a");
    auto pm = c.start_allreduce(m.data(), m.size(), dist::ReduceOp::Mean, "m");
    std::vector<double> d{double(r), 1.0};
    c.allreduce(d.data(), d.size(), dist::ReduceOp::Sum, "d");
    c.barrier("b");
    pa->wait();
    pm->wait();
    int root = r == 2 ? 42 : -1;
    c.broadcast(&root, sizeof root, 2, "root");
    gathered[size_t(r)] = c.allgather(std::string(size_t(r), 'x'), "g");
    sums[size_t(r)] = a, means[size_t(r)] = m, dsums[size_t(r)] = d, roots[size_t(r)] = root;
  });
  for (int r = 0; r < 3; ++r) {
    for (size_t i = 0; i < 30000; ++i) ASSERT_EQ(sums[size_t(r)][i], float(i) * 6.0f) << "rank " << r << " element " << i;
    for (float v : means[size_t(r)]) EXPECT_EQ(v, 1.0f);
    EXPECT_EQ(dsums[size_t(r)], (std::vector<double>{3.0, 3.0}));
    EXPECT_EQ(roots[size_t(r)], 42);
    EXPECT_EQ(gathered[size_t(r)], (std::vector<std::string>{"", "x", "xx"}));
  }
}

TEST(ThreadGroup, ARankThatThrowsReleasesTheOthers) {
  dist::ThreadGroup g(2);
  std::atomic<int> released{0};
  EXPECT_THROW(g.run([&](dist::Communicator& c) {
                 if (c.rank() == 1) throw std::invalid_argument("rank 1 fails");
                 try {
                   c.barrier("waits for rank 1");
                 } catch (const std::runtime_error&) {
                   ++released;
                   throw;
                 }
               }),
               std::invalid_argument);  // the first exception, not the others'
  EXPECT_EQ(released.load(), 1);
  // The group can run again afterwards.
  double x = 1;
  g.run([&](dist::Communicator& c) {
    double v = 1;
    c.allreduce(&v, 1, dist::ReduceOp::Sum, "again");
    if (c.rank() == 0) x = v;
  });
  EXPECT_EQ(x, 2.0);
}

TEST(ThreadGroupDeathTest, ARankThatDoesNotComeEndsTheJobNamingIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        dist::set_timeout(0.3);
        dist::ThreadGroup g(2);
        g.run([](dist::Communicator& c) {
          if (c.rank() == 0) c.barrier("the step's barrier");
        });
      },
      testing::ExitedWithCode(3), "the step's barrier.*rank\\(s\\) 1 do not answer");
}
