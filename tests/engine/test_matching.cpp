#include "standort/engine/error.hpp"
#include "standort/engine/matching.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace standort;
using Catch::Contains;
using Catch::Matchers::WithinAbs;

namespace {

const char* k_profiles = R"toml(
[investors.battery_lab]
name = "Battery lab"
min_area_ha = 3
max_area_ha = 10
max_distance_m = { junctions = 3000 }
zoning = ["GE", "SO"]
excluded_reasons = ["nature"]
max_excluded_pct = 5
preferences = { campus_proximity = 3, wandel = 1 }
shortlist = 2

[investors.logistics]
min_area_ha = 5
districts = ["Riemke"]
)toml";

std::vector<SiteRecord> sample_sites() {
  std::vector<SiteRecord> s(5);
  for (std::size_t i = 0; i < s.size(); ++i) {
    s[i].id = std::to_string(i + 1);
    s[i].name = "site " + std::to_string(i + 1);
    s[i].area_ha = 6.0;
    s[i].zoning = "GE";
    s[i].districts = {{"districts", "Querenburg"}, {"stadtbezirke", "Süd"}};
    s[i].distance_m = {{"junctions", 1200.0}};
    s[i].nearest = {{"junctions", "A 43 Witten-Heven"}};
    s[i].scores = {{"campus_proximity", 0.8}, {"wandel", 0.4}, {"wissen", 0.7}};
    s[i].suitability = 0.6;
  }
  s[0].area_ha = 2.0;                      // too small
  s[1].distance_m["junctions"] = 4200.0;   // too far
  s[2].zoning = "MI";                      // wrong zoning
  s[3].excluded_pct = {{"nature", 12.0}};  // too much excluded
  s[4].scores = {{"campus_proximity", 0.9}, {"wandel", 0.5}, {"wissen", 0.95}};
  return s;
}

}  // namespace

TEST_CASE("investor profiles: parsed with their requirements and checked", "[matching]") {
  const auto profiles = parse_investor_profiles(k_profiles, "investors.toml");
  REQUIRE(profiles.size() == 2);
  const InvestorProfile& p = profiles[0];
  CHECK(p.key == "battery_lab");
  CHECK(p.name == "Battery lab");
  CHECK_THAT(p.min_area_ha, WithinAbs(3.0, 1e-12));
  CHECK_THAT(p.max_area_ha, WithinAbs(10.0, 1e-12));
  CHECK_THAT(p.max_distance_m.at("junctions"), WithinAbs(3000.0, 1e-12));
  CHECK(p.zoning == std::vector<std::string>{"GE", "SO"});
  CHECK(p.shortlist == 2);
  CHECK(profiles[1].name == "logistics");  // the key when no name is given
  CHECK(std::isinf(profiles[1].max_area_ha));

  // A dotted key 100,000 levels deep would overflow toml++'s recursion: refused before parsing.
  std::string deep = "[investors.a]\n";
  for (int i = 0; i < 100000; ++i) deep += "k.";
  deep += "x = 1\n";
  CHECK_THROWS_AS(parse_investor_profiles(deep, "p.toml"), InputError);
  CHECK_THROWS_WITH(parse_investor_profiles(
                        "[investors.a]\nname = \"Lab\"\n[investors.b]\nname = \"Lab\"\n", "p.toml"),
                    Contains("[investors.b] and [investors.a] have the same name 'Lab'"));
  CHECK_THROWS_WITH(
      parse_investor_profiles("[investors.a]\nmin_area = 3\n", "p.toml"),
      Contains("p.toml:2") && Contains("unknown key 'min_area'") && Contains("min_area_ha"));
  CHECK_THROWS_WITH(
      parse_investor_profiles("[investors.a]\nmin_area_ha = 5\nmax_area_ha = 2\n", "p.toml"),
      Contains("min_area_ha <= max_area_ha"));
  CHECK_THROWS_WITH(parse_investor_profiles("[investors.a]\npreferences = { x = 0 }\n", "p.toml"),
                    Contains("at least one positive weight"));
  CHECK_THROWS_WITH(parse_investor_profiles("title = 1\n", "p.toml"),
                    Contains("unknown top-level key 'title'"));
  CHECK_THROWS_WITH(parse_investor_profiles("[investors.a\n", "p.toml"), Contains("p.toml:1"));

  CHECK_NOTHROW(check_profile(p, {"junctions", "campuses"}, {"campus_proximity", "wandel"},
                              {"water", "nature"}));
  CHECK_THROWS_WITH(check_profile(p, {"junction"}, {"campus_proximity", "wandel"}, {"nature"}),
                    Contains("max_distance_m.junctions") && Contains("did you mean 'junction'"));
  CHECK_THROWS_WITH(check_profile(p, {"junctions"}, {"campus_proximity"}, {"nature"}),
                    Contains("preferences.wandel"));
  CHECK_THROWS_WITH(check_profile(p, {"junctions"}, {"campus_proximity", "wandel"}, {"water"}),
                    Contains("'nature' is no constraint"));
}

TEST_CASE("matching: failing sites are rejected with the requirement, the rest ranked by fit",
          "[matching]") {
  const auto profiles = parse_investor_profiles(k_profiles, "investors.toml");
  const auto sites = sample_sites();
  const MatchResult m =
      match_sites(profiles[0], sites, {{"wandel", "Wandel"}, {"wissen", "Wissen"}});
  REQUIRE(m.rejected.size() == 4);
  CHECK(m.rejected[0].site == 0);
  CHECK_THAT(m.rejected[0].requirement, Contains("2.00 ha is below the minimum of 3.00 ha"));
  CHECK_THAT(m.rejected[1].requirement,
             Contains("junctions 4.20 km away (A 43 Witten-Heven), at most 3.00 km allowed"));
  CHECK_THAT(m.rejected[2].requirement, Contains("zoning MI, not one of GE, SO"));
  CHECK_THAT(m.rejected[3].requirement, Contains("12.0 % of the site excluded by 'nature'"));
  CHECK(m.rejected[0].kind == "area");
  CHECK(m.rejected[1].kind == "distance");
  CHECK(m.rejected[2].kind == "zoning");
  CHECK(m.rejected[3].kind == "exclusion");
  REQUIRE(m.ranked.size() == 1);
  CHECK(m.ranked[0].site == 4);
  // Preferences 3:1 over campus proximity (0.9) and Wandel (0.5): 0.75 * 0.9 + 0.25 * 0.5.
  CHECK_THAT(m.ranked[0].fit, WithinAbs(0.8, 1e-12));
  CHECK_THAT(m.ranked[0].reason, Contains("in Querenburg (GE)"));
  CHECK_THAT(m.ranked[0].reason, Contains("junctions 1.20 km (A 43 Witten-Heven)"));
  CHECK_THAT(m.ranked[0].reason, Contains("best on Wissen (0.95)"));
  // A rejected site has no fit (the joint assignment treats it as infeasible).
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::isnan(m.fit[i]));
  CHECK_THAT(m.fit[4], WithinAbs(0.8, 1e-12));

  // Without preferences the overall score ranks; equal fits keep the site order.
  InvestorProfile plain;
  plain.key = "plain";
  std::vector<SiteRecord> two = {sites[4], sites[4], sites[4]};
  two[1].suitability = 0.9;
  const MatchResult m2 = match_sites(plain, two, {});
  REQUIRE(m2.ranked.size() == 3);
  CHECK(m2.ranked[0].site == 1);
  CHECK(m2.ranked[1].site == 0);
  CHECK(m2.ranked[2].site == 2);

  // District requirement: any level may match.
  const MatchResult m3 = match_sites(profiles[1], sites, {});
  REQUIRE(m3.ranked.empty());
  CHECK_THAT(m3.rejected[1].requirement,
             Contains("in Querenburg, Süd, not in an allowed district (Riemke)"));
  std::vector<SiteRecord> riemke = {sites[4]};
  riemke[0].districts["stadtbezirke"] = "Riemke";
  CHECK(match_sites(profiles[1], riemke, {}).ranked.size() == 1);
}

TEST_CASE("matching: exclusion limits for any rule, one rule, and several rules together",
          "[matching]") {
  SiteRecord site;
  site.id = "1";
  site.name = "plot";
  site.area_ha = 5.0;
  site.suitability = 0.7;
  site.excluded_pct = {{"water", 4.0}, {"nature", 4.0}};
  site.excluded_any_pct = 8.0;  // the two rules take different cells
  InvestorProfile p;
  p.key = "x";
  p.max_excluded_pct = 5.0;
  p.excluded_reasons = {"*"};
  auto requirement = [&] {
    const MatchResult m = match_sites(p, {site}, {});
    return m.rejected.empty() ? std::string() : m.rejected.front().requirement;
  };
  CHECK_THAT(requirement(), Contains("8.0 % of the site excluded by the rules"));
  p.excluded_reasons = {"water"};
  CHECK(requirement().empty());  // 4 % water is within 5 %
  p.excluded_reasons = {"water", "nature"};
  CHECK_THAT(requirement(), Contains("8.0 % of the site excluded by 'water', 'nature' together"));
  p.max_excluded_pct = 3.0;
  CHECK_THAT(requirement(), Contains("4.0 % of the site excluded by 'water'"));
}
