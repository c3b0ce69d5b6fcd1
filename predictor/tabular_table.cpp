#include "predictor/tabular_table.h"

#include <zlib.h>

#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>

#include "util/number.h"

namespace iqnas::predictor {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// gzread passes plain files through unchanged, so one reader serves both.
std::string read_all(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error(path + ": cannot open the file");
  std::string text;
  char buf[1 << 16];
  while (true) {
    const int n = gzread(f.get(), buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(f.get(), &err);
      throw std::runtime_error(path + ": corrupt or truncated gzip stream (" + (msg ? msg : "zlib error") + ")");
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

std::vector<std::string> split_fields(const std::string& line, const std::string& path, size_t line_no) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && cell.empty()) {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
    } else {
      cell += c;
    }
  }
  if (quoted) throw std::invalid_argument(path + ": line " + std::to_string(line_no) + ": unterminated quoted field");
  out.push_back(cell);
  return out;
}

}  // namespace

int CsvTable::column(const std::string& name) const {
  for (size_t c = 0; c < header.size(); ++c)
    if (header[c] == name) return static_cast<int>(c);
  std::string have;
  for (const auto& h : header) have += (have.empty() ? "" : ", ") + h;
  throw std::invalid_argument(path + ": no column '" + name + "' (columns: " + have + ")");
}

std::vector<double> CsvTable::numbers(const std::string& name) const {
  const int c = column(name);
  std::vector<double> out;
  out.reserve(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    out.push_back(parse_number(rows[r][static_cast<size_t>(c)], path + ": row " + std::to_string(r + 1) + " (line " +
                                                                     std::to_string(row_line[r]) + "), column '" + name + "'"));
  }
  return out;
}

CsvTable read_csv_table(const std::string& path) {
  const std::string text = read_all(path);
  CsvTable t;
  t.path = path;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fields = split_fields(line, path, line_no);
    if (t.header.empty()) {
      t.header = std::move(fields);
      std::set<std::string> seen;
      for (const auto& h : t.header)
        if (!seen.insert(h).second) throw std::invalid_argument(path + ": column '" + h + "' appears twice in the header");
      continue;
    }
    if (fields.size() != t.header.size())
      throw std::invalid_argument(path + ": line " + std::to_string(line_no) + " has " + std::to_string(fields.size()) +
                                  " fields, the header has " + std::to_string(t.header.size()));
    t.rows.push_back(std::move(fields));
    t.row_line.push_back(line_no);
  }
  if (t.header.empty()) throw std::invalid_argument(path + ": empty file (no header line)");
  if (t.rows.empty()) throw std::invalid_argument(path + ": no data rows after the header");
  return t;
}

}  // namespace iqnas::predictor
