// A benchmark table read from a CSV file (plain or gzip-compressed): a header line and one row per
// architecture. Fields are separated by commas; a field may be double-quoted (with "" for a quote),
// which NAS-Bench-201's strings never need but spreadsheets write.
#pragma once
#include <string>
#include <vector>

namespace iqnas::predictor {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
  std::vector<size_t> row_line;                // line number of each row in the file (header: 1)

  // Index of a column; throws std::invalid_argument naming the file, the column and the columns
  // that exist when it is absent.
  int column(const std::string& name) const;
  // A column's values as numbers; throws std::invalid_argument naming the file, the data row
  // (1-based), its line and the column for an empty, non-numeric or non-finite cell.
  std::vector<double> numbers(const std::string& name) const;
};

// Reads the whole file (gzip is detected by its magic bytes). Throws std::runtime_error naming the
// file when it cannot be read or is corrupt, and std::invalid_argument for a missing header, an
// empty table, a duplicate column name or a row whose field count differs from the header's (with
// its line number).
CsvTable read_csv_table(const std::string& path);

}  // namespace iqnas::predictor
