#include "thread_pool.h"

#include <algorithm>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "errors.h"

namespace neuron {

namespace {

long current_pid() {
#if defined(__unix__) || defined(__APPLE__)
  return static_cast<long>(getpid());
#else
  return 0;
#endif
}

}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool() {
  owner_pid_ = current_pid();
  int n = default_num_threads();
  start_workers(n - 1);
  num_threads_.store(n);
}

ThreadPool::~ThreadPool() { stop_workers(); }

int ThreadPool::default_num_threads() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ThreadPool::set_num_threads(int n) {
  if (n < 1 || n > 1024) {
    throw EngineError(ErrorKind::InvalidArgument,
                      "expected a number of threads between 1 and 1024, got " + std::to_string(n) +
                          "; pass a positive count such as " +
                          std::to_string(default_num_threads()));
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  if (owner_pid_ != current_pid()) restart_after_fork();
  stop_workers();
  start_workers(n - 1);
  num_threads_.store(n);
}

void ThreadPool::start_workers(int n_workers) {
  std::uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    generation = generation_;
  }
  // Each worker starts from the generation current now, so a run() that begins before the thread
  // is scheduled is still seen as new work.
  for (int i = 0; i < n_workers; ++i) {
    workers_.emplace_back([this, generation] { worker_loop(generation); });
  }
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void ThreadPool::restart_after_fork() {
  // The threads in workers_ belong to the parent; joining them here would fail, so their handles
  // are moved aside and deliberately leaked.
  new std::vector<std::thread>(std::move(workers_));
  workers_.clear();
  owner_pid_ = current_pid();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active_workers_ = 0;
    job_ = nullptr;
  }
  start_workers(num_threads_.load() - 1);
}

void ThreadPool::drain_tasks() {
  const auto& fn = *job_;
  for (int t = next_task_.fetch_add(1); t < n_tasks_; t = next_task_.fetch_add(1)) fn(t);
}

void ThreadPool::worker_loop(std::uint64_t seen) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    drain_tasks();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_workers_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::run(int n_tasks, const std::function<void(int)>& fn) {
  if (n_tasks <= 0) return;
  std::unique_lock<std::mutex> run_lock(run_mutex_, std::try_to_lock);
  if (run_lock.owns_lock() && owner_pid_ != current_pid()) restart_after_fork();
  if (n_tasks == 1 || !run_lock.owns_lock() || workers_.empty()) {
    for (int t = 0; t < n_tasks; ++t) fn(t);
    return;
  }

  // Publish the job, wake the workers, and work alongside them.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    n_tasks_ = n_tasks;
    next_task_.store(0);
    active_workers_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  drain_tasks();

  // Every worker must check in before the next job may be published.
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return active_workers_ == 0; });
  job_ = nullptr;
}

}  // namespace neuron
