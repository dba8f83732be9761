#include "scenario_text.hpp"
#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;
using standort::test::error_of;
using standort::test::replace;

namespace {

const std::string valid = R"(
[scenario]
name = "test"

[inputs.districts]
path = "layers/districts.gpkg"
layer = "bezirke"
geometry = "polygon"
name_field = "name"

[inputs.campuses]
path = "/abs/campuses.geojson"

[grid]
cell_size_m = 25
extent_from = "districts"
mask = "districts"

[criteria.campus]
layer = "campuses"
value = { function = "linear", points = [[500, 1.0], [5000, 0.0]] }

[outputs]
districts = "districts"
formats = ["cog", "geojson"]
)";

}  // namespace

TEST_CASE("a valid scenario parses with paths resolved against its folder", "[scenario]") {
  const Scenario s = parse_scenario(valid, "s.toml", "/base/dir");
  REQUIRE(s.inputs.size() == 2);
  CHECK(s.inputs[0].path == "/base/dir/layers/districts.gpkg");
  CHECK(s.inputs[1].path == "/abs/campuses.geojson");
  CHECK(s.inputs[0].geometry == GeometryKind::polygon);
  CHECK(s.grid.crs == "EPSG:25832");
  CHECK_THAT(s.grid.cell_size_m, WithinAbs(25.0, 1e-12));
  REQUIRE(s.criteria.size() == 1);
  CHECK(s.criteria[0].output == "campus");
  CHECK_THAT(s.criteria[0].value.function(2750.0), WithinAbs(0.5, 1e-12));
  CHECK(s.outputs.cog);
  CHECK(s.outputs.geojson);
  CHECK_FALSE(s.outputs.qml);
}

TEST_CASE("unknown keys are errors with the line and a suggestion", "[scenario]") {
  const std::string msg = error_of(replace(valid, "cell_size_m = 25", "cel_size_m = 25"));
  CHECK_THAT(msg, Contains("s.toml:15"));
  CHECK_THAT(msg, Contains("unknown key 'cel_size_m'"));
  CHECK_THAT(msg, Contains("did you mean 'cell_size_m'"));
  CHECK_THAT(error_of(valid + "\n[grdi]\ncrs = \"EPSG:25832\"\n"), Contains("did you mean 'grid'"));
}

TEST_CASE("wrong types, missing layers and bad values are named", "[scenario]") {
  CHECK_THAT(error_of(replace(valid, "cell_size_m = 25", "cell_size_m = \"25,5\"")),
             Contains("use a decimal point, not a comma"));
  CHECK_THAT(error_of(replace(valid, "layer = \"campuses\"", "layer = \"campus\"")),
             Contains("names no input; did you mean 'campuses'"));
  CHECK_THAT(error_of(replace(valid, "cell_size_m = 25", "cell_size_m = -1")),
             Contains("must be positive"));
  CHECK_THAT(error_of(replace(valid, "[[500, 1.0], [5000, 0.0]]", "[[500, 1.0], [500, 0.0]]")),
             Contains("both at 500"));
  CHECK_THAT(error_of(replace(valid, "formats = [\"cog\", \"geojson\"]", "formats = [\"cgo\"]")),
             Contains("did you mean 'cog'"));
  // A district level named like one of the run's own outputs would overwrite it.
  for (const char* taken : {"sites", "regions", "shortlists", "report", "standort"}) {
    INFO(taken);
    const std::string renamed = replace(
        replace(replace(valid, "[inputs.districts]", std::string("[inputs.") + taken + "]"),
                "extent_from = \"districts\"", std::string("extent_from = \"") + taken + "\""),
        "mask = \"districts\"", std::string("mask = \"") + taken + "\"");
    CHECK_THAT(error_of(replace(renamed, "districts = \"districts\"",
                                std::string("districts = \"") + taken + "\"")),
               Contains("a district level cannot be called '" + std::string(taken) + "'"));
  }
  CHECK_THAT(error_of("[grid\n"), Contains("not valid TOML"));
  CHECK_THAT(error_of(replace(valid, "extent_from = \"districts\"", "")), Contains("extent_from"));
}

TEST_CASE("closest_match suggests only near words", "[scenario]") {
  CHECK(closest_match("distrcts", {"districts", "campuses"}) == "districts");
  CHECK(closest_match("zzz", {"districts", "campuses"}).empty());
}

TEST_CASE("every value-function kind parses from the scenario", "[scenario]") {
  const std::string linear =
      R"(value = { function = "linear", points = [[500, 1.0], [5000, 0.0]] })";
  auto value_of = [&](const std::string& v) {
    return parse_scenario(replace(valid, linear, "value = " + v), "s.toml", "/base")
        .criteria[0]
        .value;
  };
  const ValueSpec logistic =
      value_of(R"({ function = "logistic_decay", midpoint = 2000, steepness = 0.003 })");
  CHECK(logistic.function.kind() == ValueKind::logistic_decay);
  CHECK_THAT(logistic.function(2000.0), WithinAbs(0.5, 1e-12));
  // 1 / (1 + exp(0.003 * 500)) = 0.18242552380635635
  CHECK_THAT(logistic.function(2500.0), WithinAbs(0.18242552380635635, 1e-12));
  const ValueSpec piecewise =
      value_of(R"({ function = "piecewise", points = [[0, 1.0], [500, 0.8], [2000, 0.2]] })");
  CHECK_THAT(piecewise.function(1250.0), WithinAbs(0.5, 1e-12));
  const ValueSpec categorical =
      value_of(R"({ function = "categorical", map = { "1" = 1.0, "12" = 0.25 }, default = 0 })");
  CHECK_THAT(categorical.function(12.0), WithinAbs(0.25, 1e-12));
  CHECK_THAT(categorical.function(7.0), WithinAbs(0.0, 1e-12));
  const ValueSpec small = value_of(R"({ function = "fuzzy_small", midpoint = 500 })");
  CHECK_THAT(small.function(250.0), WithinAbs(32.0 / 33.0, 1e-12));  // default spread 5
  const ValueSpec ms = value_of(R"({ function = "fuzzy_ms_large", mean_multiplier = 1.2 })");
  CHECK(ms.moments_from_data);
  CHECK_FALSE(
      value_of(R"({ function = "fuzzy_ms_large", mean = 35, std_dev = 8 })").moments_from_data);
  CHECK_THAT(value_of(R"({ function = "gaussian", ideal = 300, spread = 150 })").function(450.0),
             WithinAbs(std::exp(-0.5), 1e-12));
  CHECK_THAT(
      value_of(R"({ function = "power", low = 0, high = 1000, exponent = 2 })").function(500.0),
      WithinAbs(0.25, 1e-12));
  CHECK_THAT(value_of(R"({ function = "symmetric_linear", centre = 500, half_width = 300 })")
                 .function(650.0),
             WithinAbs(0.5, 1e-12));
}

TEST_CASE("value-function mistakes in a scenario are named with a fix", "[scenario]") {
  const std::string linear =
      R"(value = { function = "linear", points = [[500, 1.0], [5000, 0.0]] })";
  auto error_with = [&](const std::string& v) {
    return error_of(replace(valid, linear, "value = " + v));
  };
  CHECK_THAT(error_with(R"({ function = "logistic_decai", midpoint = 1, steepness = 1 })"),
             Contains("did you mean 'logistic_decay'"));
  CHECK_THAT(error_with(R"({ function = "logistic_decay", midpoint = 2000 })"),
             Contains("needs steepness"));
  CHECK_THAT(error_with(R"({ function = "gaussian", ideal = 300, spread = 0 })"),
             Contains("[criteria.campus].value"));
  CHECK_THAT(error_with(R"({ function = "linear", points = [[0, 1], [1, 0.5], [2, 0]] })"),
             Contains("piecewise"));
  CHECK_THAT(error_with(R"({ function = "categorical", map = { "forest" = 1.0 } })"),
             Contains("not a number"));
  CHECK_THAT(error_with(R"({ function = "fuzzy_ms_small", mean = 3 })"),
             Contains("both mean and std_dev"));
  CHECK_THAT(error_with(R"({ function = "power", low = 0, high = 10, exponant = 2 })"),
             Contains("did you mean 'exponent'"));
}
