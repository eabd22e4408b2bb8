#include "agent/kubelet/env_expansion.h"

namespace mk::agent::kubelet {

std::string expand_references(const std::string& input,
                              const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  std::string out;
  size_t checkpoint = 0;
  for (size_t cursor = 0; cursor < input.size(); ++cursor) {
    if (input[cursor] != '$' || cursor + 1 >= input.size()) continue;
    out.append(input, checkpoint, cursor - checkpoint);
    char next = input[cursor + 1];
    size_t advance = 1;
    if (next == '$') {
      out += '$';
    } else if (next == '(') {
      size_t close = input.find(')', cursor + 2);
      if (close == std::string::npos) {
        out += "$(";
      } else {
        std::string name = input.substr(cursor + 2, close - cursor - 2);
        auto value = lookup(name);
        out += value ? *value : "$(" + name + ")";
        advance = close - cursor;
      }
    } else {
      out += '$';
      out += next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  out.append(input, checkpoint, std::string::npos);
  return out;
}

}  // namespace mk::agent::kubelet
