// A Communicator whose ranks are threads of this process (tests only): lets the cross-rank
// parts of distributed/ (the upper tree levels, the broadcast, start-up agreement) run in the
// default suite without MPI. Messages are byte copies through per-(from, to) queues.
#pragma once

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "distributed/communicator.h"

namespace tunas::test {

class ThreadWorld {
 public:
  explicit ThreadWorld(int size) : size_(size) {}
  int size() const { return size_; }

  void put(int from, int to, const void* data, std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto* p = static_cast<const std::uint8_t*>(data);
    queues_[{from, to}].emplace_back(p, p + bytes);
    changed_.notify_all();
  }
  std::vector<std::uint8_t> take(int from, int to) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto& q = queues_[{from, to}];
    changed_.wait(lock, [&] { return !q.empty(); });
    std::vector<std::uint8_t> message = std::move(q.front());
    q.pop_front();
    return message;
  }

  // Runs body(comm) on `size` threads, one rank each.
  template <typename Body>
  void run(Body body);

 private:
  int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::pair<int, int>, std::deque<std::vector<std::uint8_t>>> queues_;
};

class ThreadCommunicator final : public distributed::Communicator {
 public:
  ThreadCommunicator(ThreadWorld& world, int rank) : world_(world), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return world_.size(); }
  std::string describe() const override { return "threads"; }
  void send(int to, const void* data, std::size_t bytes) override {
    world_.put(rank_, to, data, bytes);
    stats_.bytes_sent += bytes;
  }
  void recv(int from, void* data, std::size_t bytes) override {
    const std::vector<std::uint8_t> m = world_.take(from, rank_);
    if (m.size() != bytes) throw std::runtime_error("ThreadCommunicator: message size mismatch");
    if (bytes > 0) std::memcpy(data, m.data(), bytes);
    stats_.bytes_received += bytes;
  }
  // Rank 0 sends to every rank (a star: the order of additions is not involved).
  void broadcast(void* data, std::size_t bytes) override {
    if (rank_ == 0) {
      for (int r = 1; r < size(); ++r) send(r, data, bytes);
    } else {
      recv(0, data, bytes);
    }
  }
  void allgather(const void* mine, std::size_t bytes, void* all) override {
    for (int r = 0; r < size(); ++r)
      if (r != rank_) send(r, mine, bytes);
    for (int r = 0; r < size(); ++r) {
      auto* slot = static_cast<std::uint8_t*>(all) + std::size_t(r) * bytes;
      if (r == rank_) std::memmove(slot, mine, bytes);
      else recv(r, slot, bytes);
    }
  }
  bool any_true(bool value) override {
    std::vector<std::uint8_t> all(static_cast<std::size_t>(size()));
    const std::uint8_t v = value ? 1 : 0;
    allgather(&v, 1, all.data());
    for (std::uint8_t x : all)
      if (x) return true;
    return false;
  }
  [[noreturn]] void abort(int) override { throw std::runtime_error("ThreadCommunicator::abort"); }

 private:
  ThreadWorld& world_;
  int rank_;
};

template <typename Body>
void ThreadWorld::run(Body body) {
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r)
    threads.emplace_back([this, r, &body] {
      ThreadCommunicator comm(*this, r);
      body(comm);
    });
  for (std::thread& t : threads) t.join();
}

}  // namespace tunas::test
