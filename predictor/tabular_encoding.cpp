#include "predictor/tabular_encoding.h"

#include <map>
#include <stdexcept>

namespace iqnas::predictor {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

void check_selection(const std::vector<solver::Group>& groups, const std::vector<int>& s) {
  if (s.size() != groups.size())
    throw std::invalid_argument("selection has " + std::to_string(s.size()) + " entries, expected " +
                                std::to_string(groups.size()));
  for (size_t g = 0; g < s.size(); ++g)
    if (s[g] < 0 || s[g] >= static_cast<int>(groups[g].options.size()))
      throw std::invalid_argument("selection[" + std::to_string(g) + "] = " + std::to_string(s[g]) + " is out of range");
}

class Nb201 : public ArchEncoding {
 public:
  Nb201() {
    for (int to = 1; to <= 3; ++to)
      for (int from = 0; from < to; ++from)
        groups_.push_back({"n" + std::to_string(to) + "<-n" + std::to_string(from), ops()});
  }
  const std::vector<solver::Group>& groups() const override { return groups_; }

  std::vector<int> encode(const std::string& arch) const override {
    const auto bad = [&](const std::string& why) {
      return std::invalid_argument("not a NAS-Bench-201 cell string '" + arch + "': " + why);
    };
    const auto nodes = split(arch, '+');
    if (nodes.size() != 3) throw bad("expected 3 nodes separated by '+', got " + std::to_string(nodes.size()));
    std::vector<int> sel;
    for (int to = 1; to <= 3; ++to) {
      const std::string& node = nodes[static_cast<size_t>(to - 1)];
      if (node.size() < 2 || node.front() != '|' || node.back() != '|')
        throw bad("node " + std::to_string(to) + " must start and end with '|'");
      const auto edges = split(node.substr(1, node.size() - 2), '|');
      if (static_cast<int>(edges.size()) != to)
        throw bad("node " + std::to_string(to) + " needs " + std::to_string(to) + " edges, got " +
                  std::to_string(edges.size()));
      for (int from = 0; from < to; ++from) {
        const std::string& e = edges[static_cast<size_t>(from)];
        const size_t tilde = e.find('~');
        if (tilde == std::string::npos || e.substr(tilde + 1) != std::to_string(from))
          throw bad("edge '" + e + "' of node " + std::to_string(to) + " should end in '~" + std::to_string(from) + "'");
        const std::string op = e.substr(0, tilde);
        int idx = -1;
        for (size_t k = 0; k < ops().size(); ++k)
          if (ops()[k] == op) idx = static_cast<int>(k);
        if (idx < 0) throw bad("unknown operation '" + op + "'");
        sel.push_back(idx);
      }
    }
    return sel;
  }

  std::string decode(const std::vector<int>& s) const override {
    check_selection(groups_, s);
    std::string out;
    size_t g = 0;
    for (int to = 1; to <= 3; ++to) {
      if (to > 1) out += '+';
      out += '|';
      for (int from = 0; from < to; ++from) out += ops()[static_cast<size_t>(s[g++])] + "~" + std::to_string(from) + "|";
    }
    return out;
  }

 private:
  static const std::vector<std::string>& ops() {
    static const std::vector<std::string> o{"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
    return o;
  }
  std::vector<solver::Group> groups_;
};

class Tokens : public ArchEncoding {
 public:
  Tokens(const std::vector<std::string>& archs, char sep) : sep_(sep) {
    if (archs.empty()) throw std::invalid_argument("token encoding: no architecture strings");
    const size_t n = split(archs[0], sep).size();
    index_.resize(n);
    for (size_t g = 0; g < n; ++g) groups_.push_back({"p" + std::to_string(g + 1), {}});
    for (size_t r = 0; r < archs.size(); ++r) {
      const auto t = split(archs[r], sep);
      if (t.size() != n)
        throw std::invalid_argument("token encoding: architecture " + std::to_string(r + 1) + " '" + archs[r] +
                                    "' has " + std::to_string(t.size()) + " fields, the first has " + std::to_string(n));
      for (size_t g = 0; g < n; ++g)
        if (index_[g].emplace(t[g], static_cast<int>(groups_[g].options.size())).second) groups_[g].options.push_back(t[g]);
    }
  }
  const std::vector<solver::Group>& groups() const override { return groups_; }
  std::vector<int> encode(const std::string& arch) const override {
    const auto t = split(arch, sep_);
    if (t.size() != groups_.size())
      throw std::invalid_argument("architecture '" + arch + "' has " + std::to_string(t.size()) + " fields, expected " +
                                  std::to_string(groups_.size()));
    std::vector<int> sel;
    for (size_t g = 0; g < t.size(); ++g) {
      const auto it = index_[g].find(t[g]);
      if (it == index_[g].end())
        throw std::invalid_argument("architecture '" + arch + "': token '" + t[g] + "' at position " +
                                    std::to_string(g + 1) + " is not in the table's vocabulary");
      sel.push_back(it->second);
    }
    return sel;
  }
  std::string decode(const std::vector<int>& s) const override {
    check_selection(groups_, s);
    std::string out;
    for (size_t g = 0; g < s.size(); ++g) out += (g ? std::string(1, sep_) : "") + groups_[g].options[static_cast<size_t>(s[g])];
    return out;
  }

 private:
  char sep_;
  std::vector<solver::Group> groups_;
  std::vector<std::map<std::string, int>> index_;
};

}  // namespace

std::unique_ptr<ArchEncoding> nb201_encoding() { return std::make_unique<Nb201>(); }

std::unique_ptr<ArchEncoding> token_encoding(const std::vector<std::string>& archs, char separator) {
  return std::make_unique<Tokens>(archs, separator);
}

std::unique_ptr<ArchEncoding> make_encoding(const std::string& name, const std::vector<std::string>& archs) {
  if (name == "nb201") return nb201_encoding();
  if (name == "tokens") return token_encoding(archs);
  throw std::invalid_argument("unknown encoding '" + name + "' (nb201 or tokens)");
}

}  // namespace iqnas::predictor
