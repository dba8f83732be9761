// Matching investors' requirement profiles to candidate sites: hard requirements (area, distances,
// districts, zoning, exclusions) sort out sites with the reason they fail; preferences (weights
// over the scenario's criteria and pillars) rank the rest, each with a one-line reason.
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace standort {

/// What is known about one candidate site after a run (one row of the ranked sites table).
struct SiteRecord {
  std::string id;
  std::string name;
  double area_ha = 0.0;
  std::string zoning;                            ///< zoning class; empty when unknown
  std::map<std::string, std::string> districts;  ///< district level -> name of the district
  std::map<std::string, double> distance_m;      ///< input layer -> distance to its nearest
  std::map<std::string, std::string> nearest;    ///< input layer -> name of that feature
  /// Constraint name -> share of the site's area (with data) that rule excludes; a cell several
  /// rules hit counts for each.
  std::map<std::string, double> excluded_pct;
  double excluded_any_pct = 0.0;         ///< share excluded by any rule
  std::map<std::string, double> scores;  ///< criterion / pillar name -> mean score
  double suitability = std::numeric_limits<double>::quiet_NaN();  ///< mean overall score
};

/// One investor's requirements and preferences.
struct InvestorProfile {
  std::string key;  ///< the profile's table name, e.g. "battery_lab"
  std::string name;
  std::string description;
  double min_area_ha = 0.0;
  double max_area_ha = std::numeric_limits<double>::infinity();
  std::map<std::string, double> max_distance_m;  ///< input layer -> largest distance accepted
  std::vector<std::string> districts;            ///< allowed districts (any level); empty = all
  std::vector<std::string> zoning;               ///< allowed zoning classes; empty = all
  /// Constraint names whose exclusion may touch at most `max_excluded_pct` of a site: "*" = any
  /// rule (the share no rule leaves); several names = each rule's share and their sum, which
  /// counts a cell two of them hit twice, so the check errs on the strict side.
  std::vector<std::string> excluded_reasons;
  double max_excluded_pct = 0.0;
  /// Criterion or pillar name -> weight (normalised to sum 1); empty = the city's overall score.
  std::map<std::string, double> preferences;
  int shortlist = 5;
};

/// Reads the profiles of a TOML file: one table per investor under [investors.KEY]. Throws
/// InputError naming the file, line and key for unknown keys, wrong types and impossible values.
std::vector<InvestorProfile> load_investor_profiles(const std::filesystem::path& file);
/// The same from text; `label` names it in messages.
std::vector<InvestorProfile> parse_investor_profiles(const std::string& text,
                                                     const std::string& label);

/// Checks a profile against what the sites offer: every distance layer, preference and
/// constraint it names must exist. Throws InputError naming the profile and suggesting names.
void check_profile(const InvestorProfile& profile, const std::vector<std::string>& distance_layers,
                   const std::vector<std::string>& score_names,
                   const std::vector<std::string>& constraint_names);

struct SiteMatch {
  std::size_t site = 0;  ///< index into the sites
  double fit = 0.0;      ///< 0..1: the preference-weighted score (or the overall score)
  std::string
      reason;  ///< e.g. "in Querenburg (GE), junctions 1.2 km (A 43 Witten-Heven); best on Wandel"
};

struct SiteRejection {
  std::size_t site = 0;
  /// What kind of requirement: "area", "distance", "district", "zoning", "exclusion" or "data".
  std::string kind;
  std::string requirement;  ///< the first requirement the site fails, with the numbers
};

struct MatchResult {
  std::vector<SiteMatch> ranked;        ///< every site meeting the requirements, best first
  std::vector<SiteRejection> rejected;  ///< in site order
  /// Per site: its fit, or NaN when it fails a requirement (the input of a joint assignment).
  std::vector<double> fit;
};

/// Applies `profile` to `sites`. Ties in fit go to the lower site index. `pillar_titles` maps
/// pillar names to the titles used in reasons ("wandel" -> "Wandel").
MatchResult match_sites(const InvestorProfile& profile, const std::vector<SiteRecord>& sites,
                        const std::map<std::string, std::string>& pillar_titles);

}  // namespace standort
