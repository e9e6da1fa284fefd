// The raw-request corpus (tests/http/request_corpus.tsv), shared with the end-to-end conformance
// test, which sends the same bytes over real sockets on both transports.
#pragma once
#include <fstream>
#include <string>
#include <vector>

namespace sluice::testing {

struct CorpusCase {
  std::string name;
  int status = 0;
  std::string counter;  // BadRequest name (http::to_string), "-" when accepted
  bool close = false;
  std::string request;
};

// "\r\n\t\\\xHH" escapes to bytes.
inline std::string unescape_corpus(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'x': out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16)); i += 2; break;
      default: out += c;
    }
  }
  return out;
}

inline std::vector<CorpusCase> load_corpus(const std::string& path) {
  std::vector<CorpusCase> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    size_t start = 0;
    for (int i = 0; i < 4; ++i) {
      size_t tab = line.find('\t', start);
      f.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    f.push_back(line.substr(start));
    out.push_back(CorpusCase{f[0], std::stoi(f[1]), f[2], f[3] == "close", unescape_corpus(f[4])});
  }
  return out;
}

}  // namespace sluice::testing
