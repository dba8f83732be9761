// Helpers for tests that write scenario text: edit it in one place and read back the error a
// parse gives.
#pragma once

#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace standort::test {

/// `text` with the first `from` replaced by `to`; fails the test when `from` is not there.
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

/// The message of the InputError that parsing `text` raises, or "no error".
inline std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.toml", "/base");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace standort::test
