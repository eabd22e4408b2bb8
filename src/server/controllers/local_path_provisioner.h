#pragma once
// The local-path provisioner, as k3s ships it (rancher.io/local-path), with the parts of the
// PV controller it needs:
//  - at start the StorageClass "local-path" is made (the default class, WaitForFirstConsumer,
//    reclaimPolicy Delete) unless it exists;
//  - a claim without a class gets the default one (retroactive default class assignment);
//  - a pending claim of a class with that provisioner, once the scheduler has picked a node
//    (annotation volume.kubernetes.io/selected-node; for Immediate classes the first node),
//    gets a hostPath PersistentVolume pvc-<uid> at
//    <storage>/pvc-<uid>_<namespace>_<name> with node affinity to that node, and both are
//    bound (PVC volumeName and status Bound, PV claimRef and status Bound). <storage> is what
//    the node announces in its minikube.io/local-storage-path annotation, else
//    <server data-dir>/storage. The kubelet creates the directory when a pod mounts it;
//  - a provisioned volume whose claim is gone is deleted (reclaim Delete; the node's kubelet
//    then removes the directory) or marked Released (Retain).

#include <memory>
#include <string>

#include "server/controllers/controller.h"

namespace mk::controllers {

constexpr const char* kLocalPathProvisioner = "rancher.io/local-path";
constexpr const char* kLocalPathClass = "local-path";

std::unique_ptr<Controller> make_local_path_provisioner(std::string default_storage_dir);

}  // namespace mk::controllers
