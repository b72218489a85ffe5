#include "distributed/agreement.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <vector>

#include "core/files.h"
#include "core/rng.h"

namespace tunas::distributed {

namespace {

// One rank's report; fixed size so that one allgather carries every rank's.
struct SetupReport {
  std::uint64_t failed = 0;
  std::uint64_t settings_hash = 0;
  std::uint64_t build = 0;
  char message[4000] = {};
};

void set_message(SetupReport& r, const std::string& text) {
  std::strncpy(r.message, text.c_str(), sizeof r.message - 1);
}

// The items of two settings texts ("key": value, ...) that differ, as "rank 0 <a> vs <b>".
std::string settings_difference(const std::string& first, const std::string& other) {
  auto split = [](const std::string& text) {
    std::vector<std::string> items;
    std::size_t begin = 0;
    for (std::size_t end; (end = text.find(", ", begin)) != std::string::npos; begin = end + 2)
      items.push_back(text.substr(begin, end - begin));
    items.push_back(text.substr(begin));
    return items;
  };
  const std::vector<std::string> a = split(first), b = split(other);
  std::string diff;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i]) diff += str_cat(diff.empty() ? "" : "; ", b[i], " (rank 0: ", a[i], ")");
  return diff.empty() ? other : diff;
}

}  // namespace

std::uint64_t build_id() {
  static const std::uint64_t id = [] {
    try {
      return stream_id(read_file("/proc/self/exe"));
    } catch (const Error&) {
      return std::uint64_t(0);  // no /proc: compare settings only
    }
  }();
  return id;
}

void agree_on_setup(Communicator& comm, const std::function<std::string()>& setup) {
  if (comm.size() == 1) {
    (void)setup();
    return;
  }
  SetupReport mine;
  try {
    const std::string settings = setup();
    mine.settings_hash = stream_id(settings);
    set_message(mine, settings);
  } catch (const std::exception& e) {
    mine.failed = 1;
    set_message(mine, e.what());
  }
  mine.build = build_id();
  std::vector<SetupReport> all(std::size_t(comm.size()));
  comm.allgather(&mine, sizeof mine, all.data());

  std::string failures;
  int failed = 0;
  bool same_message = true;
  for (int r = 0; r < comm.size(); ++r) {
    const SetupReport& o = all[std::size_t(r)];
    if (!o.failed) continue;
    ++failed;
    same_message = same_message && std::strcmp(o.message, all[0].message) == 0;
    failures += str_cat("\n  rank ", r, " of ", comm.size(), ": ", o.message);
  }
  if (failed == comm.size() && same_message)  // e.g. a bad option: say it once
    throw AgreedError(str_cat(all[0].message, " (on every rank; nothing was written)"));
  if (failed > 0)
    throw AgreedError(str_cat(failed, " of ", comm.size(), " ranks could not start; nothing was "
                              "written:", failures));
  std::string mismatches;
  for (int r = 1; r < comm.size(); ++r) {
    const SetupReport& o = all[std::size_t(r)];
    if (o.build != all[0].build)
      mismatches += str_cat("\n  rank ", r, " runs another binary than rank 0 (build id ",
                            o.build, " vs ", all[0].build, ")");
    if (o.settings_hash != all[0].settings_hash)
      mismatches += str_cat("\n  rank ", r, " has other settings than rank 0: ",
                            settings_difference(all[0].message, o.message));
  }
  if (!mismatches.empty())
    throw AgreedError("the ranks disagree; every rank must run the same binary with the same "
                      "options (nothing was written):" + mismatches);
}

}  // namespace tunas::distributed
