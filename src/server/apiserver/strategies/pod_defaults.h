#pragma once
// The defaults kube-apiserver gives a PodSpec when it decodes one (pkg/apis/core/v1
// defaults.go), beyond the schema's simple default= values: also for values a client sent as
// "" or 0, which Go cannot tell from unset.

#include <nlohmann/json_fwd.hpp>

namespace mk::apiserver {

// What every PodSpec gets, in pods and in the templates of workloads: restart and DNS policy,
// scheduler, grace period, an empty pod securityContext, container pull policy, termination
// message settings, port protocols, probe timings, volume sources and file modes, the
// deprecated serviceAccount mirrored from serviceAccountName, and resource quantities in
// canonical form.
void default_pod_spec(nlohmann::json& spec);

// What only Pod objects get (SetDefaults_Pod): requests copied from limits, enableServiceLinks,
// and host ports equal to container ports for host-network pods.
void default_pod_only(nlohmann::json& spec);

}  // namespace mk::apiserver
