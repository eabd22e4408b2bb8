#pragma once
// $(VAR) references in container env values, command and args, expanded as the kubelet does
// (k8s.io/kubernetes third_party/forked/golang/expansion): "$(NAME)" is replaced by the
// variable when it is defined and left as it is otherwise, "$$" is an escaped "$", an
// unterminated "$(" stays.

#include <functional>
#include <optional>
#include <string>

namespace mk::agent::kubelet {

// `lookup` returns nullopt for an undefined name.
std::string expand_references(const std::string& input,
                              const std::function<std::optional<std::string>(const std::string&)>& lookup);

}  // namespace mk::agent::kubelet
