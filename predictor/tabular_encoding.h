// How a benchmark table's architecture strings become one-hot groups (a selection: one option
// index per group) and back. An encoding is chosen by name (`--encoding` of `iqnas tabular`):
//
//   nb201   NAS-Bench-201 cells "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|": 6 groups, one per edge
//           (named "n1<-n0", "n2<-n0", "n2<-n1", "n3<-n0", "n3<-n1", "n3<-n2"), 5 options each:
//           none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3. 15,625 selections.
//   tokens  any string of fields separated by '-' ("e3_k5-e6_k3-..."): one group per position,
//           whose options are the distinct tokens seen at that position in the table, in order of
//           first appearance (the vocabulary comes from the strings, not from measured values).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "solver/problem.h"

namespace iqnas::predictor {

class ArchEncoding {
 public:
  virtual ~ArchEncoding() = default;
  virtual const std::vector<solver::Group>& groups() const = 0;
  // Throws std::invalid_argument saying what is wrong with the string.
  virtual std::vector<int> encode(const std::string& arch) const = 0;
  // The canonical string of a selection (encode(decode(s)) == s).
  virtual std::string decode(const std::vector<int>& selection) const = 0;
};

std::unique_ptr<ArchEncoding> nb201_encoding();
// `archs`: every string of the table, which fixes the positions and their vocabularies. Throws
// std::invalid_argument for an empty list or strings with differing numbers of fields.
std::unique_ptr<ArchEncoding> token_encoding(const std::vector<std::string>& archs, char separator = '-');
// "nb201" or "tokens"; throws std::invalid_argument for another name.
std::unique_ptr<ArchEncoding> make_encoding(const std::string& name, const std::vector<std::string>& archs);

}  // namespace iqnas::predictor
