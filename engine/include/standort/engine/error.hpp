// Exception types shared by every layer of standort. The type decides the process exit code:
// InputError -> 2 (bad input or scenario), LimitError -> 3 (a resource limit was hit).
#pragma once

#include <stdexcept>
#include <string>

namespace standort {

/// A problem with the user's input or scenario; the message says what and how to fix it.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A request that exceeds a configured resource limit (grid size, memory).
class LimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace standort
