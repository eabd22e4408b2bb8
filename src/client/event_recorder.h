#pragma once
// Records core/v1 Events about objects, as client-go's event recorder does for controllers and
// the scheduler: one Event per (object, reason, message), its count and lastTimestamp bumped
// when the same thing happens again.

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>

#include "client/client.h"

namespace mk::client {

class EventRecorder {
 public:
  // `component` is the source ("default-scheduler", "replicaset-controller", "kubelet"); `host`
  // the node for a kubelet's events (source.host, reportingInstance).
  EventRecorder(ApiClient& client, std::string component, std::string host = "")
      : client_(client), component_(std::move(component)), host_(std::move(host)) {}

  // `type` is "Normal" or "Warning"; `object` the object the event is about (its kind,
  // apiVersion, namespace, name, uid and resourceVersion are referenced); `field_path` names a
  // part of it ("spec.containers{web}").
  void record(const nlohmann::json& object, const std::string& type, const std::string& reason,
              const std::string& message, const std::string& field_path = "");

 private:
  ApiClient& client_;
  std::string component_, host_;
  std::mutex mu_;
  // (involved uid, reason, message) -> event name, to bump repeats instead of adding events.
  std::map<std::string, std::string> seen_;
};

}  // namespace mk::client
