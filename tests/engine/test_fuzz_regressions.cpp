// Scenario inputs found by the libFuzzer target tests/fuzz/fuzz_scenario.cpp (run by
// tools/sanitize), kept as regression tests: each states what standort makes of the input, where
// the fuzzer only checks that nothing crashes.
#include "scenario_text.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace standort;
using Catch::Contains;
using standort::test::error_of;

// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable() when it asks whether a code point from
// U+00A1 to U+0499 (ä, ö, ü, ß, ...) is whitespace (marzer/tomlplusplus#190, fixed upstream by
// #305). The fuzzer found it within seconds, with a Cyrillic letter in a bare key. Debian's
// library compiles the case as "not whitespace"; these tests pin down that the parse still ends
// with the right answer, so a toml++ build that behaves otherwise is noticed.

TEST_CASE("fuzz: an umlaut in a bare key is a TOML error at its line and column",
          "[scenario][fuzz]") {
  const std::string msg =
      error_of("[scenario]\nname = \"x\"\n[inputs.gr\u00fcnfl\u00e4chen]\npath = \"g.gpkg\"\n");
  // Line 3, column 11 is the 'ü' after "[inputs.gr".
  CHECK_THAT(msg, Contains("s.toml:3:11: not valid TOML"));
  CHECK_THAT(msg, Contains("saw '\u00fc'"));
}

TEST_CASE("fuzz: a multi-line string continued by a backslash keeps the section sign",
          "[scenario][fuzz]") {
  // The line-ending backslash makes toml++ skip whitespace, asking about every character it
  // meets, the first of which here is U+00A7.
  const std::string text =
      "[scenario]\n"
      "name = \"Au\u00dfenbereich\"\n"
      "description = \"\"\"\\\n"
      "  \u00a7 35 BauGB: Au\u00dfenbereich\"\"\"\n"
      "[inputs.parks]\n"
      "path = \"parks.gpkg\"\n"
      "[grid]\n"
      "extent = [0, 0, 100, 100]\n"
      "[criteria.parks]\n"
      "layer = \"parks\"\n"
      "value = { function = \"linear\", points = [[0, 1.0], [500, 0.0]] }\n";
  const Scenario s = parse_scenario(text, "s.toml", "/base");
  CHECK(s.description == "\u00a7 35 BauGB: Au\u00dfenbereich");
  CHECK(s.name == "Au\u00dfenbereich");
}

TEST_CASE("fuzz: a rank beyond int's range is refused before it is converted", "[scenario][fuzz]") {
  // Found while writing fuzz_scenario, not by it: rank = 3e9 passed the whole-number check and was
  // converted to int, which is undefined (UBSan: "3e+09 is outside the range of representable
  // values of type 'int'"); on x86 it became INT_MIN, reported as "has no rank".
  const std::string text =
      "[inputs.p]\npath = \"p.gpkg\"\n[grid]\nextent = [0, 0, 100, 100]\n[goal]\n"
      "weighting = \"rank_sum\"\n[criteria.a]\nlayer = \"p\"\nrank = RANK\n"
      "value = { function = \"linear\", points = [[0, 1.0], [1, 0.0]] }\n";
  for (const std::string rank : {"3e9", "2147483648", "1e300"}) {
    INFO("rank = " << rank);
    const std::string msg = error_of(standort::test::replace(text, "RANK", rank));
    CHECK_THAT(msg, Contains("s.toml:9: [criteria.a] rank must be a whole number from 1"));
  }
  CHECK(error_of(standort::test::replace(text, "RANK", "1")) == "no error");
}
