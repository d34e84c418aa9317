// A small persistent thread pool for the CPU kernels.
//
// Why not OpenMP: PyTorch ships its own OpenMP runtime, and two runtimes in one process fight over
// cores. This pool is tiny and owned by the engine: N-1 worker threads sleep on a condition
// variable; run() hands out task indices through an atomic counter, the calling thread works too,
// and run() returns when every task is done. Kernels split rows into one contiguous chunk per task.
//
// Fork: a child process inherits the pool but not its threads; run() notices the new process id
// and starts fresh workers (the parent's thread objects are left alone, never joined).
//
// Concurrency: one run() at a time. A second caller (another Python thread, the GIL being released)
// does not wait: it runs its tasks serially on its own thread, so calls never deadlock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace neuron {

class ThreadPool {
 public:
  static ThreadPool& instance();

  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that run(): the caller plus the workers.
  int num_threads() const { return num_threads_.load(); }

  // Rebuilds the pool with n threads (n >= 1); waits for a run in progress to finish.
  void set_num_threads(int n);

  // Calls fn(t) for t in [0, n_tasks), spread over the pool; returns when all are done.
  // fn must not throw (the kernels never do).
  void run(int n_tasks, const std::function<void(int)>& fn);

  // Cores this process may use (the affinity mask on Linux, else hardware_concurrency).
  static int default_num_threads();

 private:
  ThreadPool();
  void start_workers(int n_workers);
  void stop_workers();
  void worker_loop(std::uint64_t seen);
  void drain_tasks();
  void restart_after_fork();

  std::vector<std::thread> workers_;
  long owner_pid_ = 0;  // the process whose threads workers_ holds
  std::atomic<int> num_threads_{1};

  std::mutex run_mutex_;  // held for the whole of run() and set_num_threads()
  std::mutex mutex_;      // guards the fields below
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  int active_workers_ = 0;
  const std::function<void(int)>* job_ = nullptr;
  int n_tasks_ = 0;
  std::atomic<int> next_task_{0};
};

}  // namespace neuron
