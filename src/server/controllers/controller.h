#pragma once
// What every controller of the controller manager is: started with the shared client and
// informer factory, stopped on shutdown.

#include <memory>
#include <string>

namespace mk::client {
class ApiClient;
}

namespace mk::controllers {

class InformerFactory;

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // Registers informer handlers; informers start after every controller has registered.
  virtual void setup(InformerFactory& informers) = 0;
  // Starts worker threads (informers are synced by then).
  virtual void run() = 0;
  virtual void stop() = 0;
};

}  // namespace mk::controllers
