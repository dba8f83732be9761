#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"

#include <catch2/catch.hpp>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

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

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.toml", "/base");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

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
  CHECK_THAT(s.criteria[0].value(2750.0), WithinAbs(0.5, 1e-12));
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
  CHECK_THAT(error_of("[grid\n"), Contains("not valid TOML"));
  CHECK_THAT(error_of(replace(valid, "extent_from = \"districts\"", "")), Contains("extent_from"));
}

TEST_CASE("closest_match suggests only near words", "[scenario]") {
  CHECK(closest_match("distrcts", {"districts", "campuses"}) == "districts");
  CHECK(closest_match("zzz", {"districts", "campuses"}).empty());
}
