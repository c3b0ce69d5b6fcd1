// The output convention of `iqnas` commands that print results (docs/design.md):
//   default   human text on stdout
//   --json    one JSON document on stdout, for scripts; the human text goes to stderr
//   --quiet   no human text (errors are still reported on stderr); with --json, only the document
// Progress lines and notes (util/progress.h) go to stderr and are silenced by --quiet too.
#pragma once
#include <cstdio>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "experiments/args.h"

namespace iqnas::cli {

class Output {
 public:
  // Also sets the process-wide progress switch from --quiet (set_progress_quiet).
  explicit Output(const Args& a);
  // The flags a command passes to Args besides its own: its flags plus json and quiet.
  static std::set<std::string> flags(std::set<std::string> own = {});
  static constexpr const char* kHelp =
      "  --json              one JSON document on stdout (human text goes to stderr)\n"
      "  --quiet             no human text\n";

  bool json() const { return json_; }
  bool quiet() const { return text_ == nullptr; }
  // Human text (printf-style); dropped with --quiet.
  void text(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  // The document, on stdout, with --json; nothing otherwise.
  void result(const nlohmann::ordered_json& doc) const;

 private:
  bool json_ = false;
  std::FILE* text_ = stdout;  // nullptr with --quiet
};

}  // namespace iqnas::cli
