// Candidate sites of a run ([sites] in the scenario): per site the coverage-weighted statistics of
// the overall score, the pillars, criteria and indicators (the same computation as the district
// statistics), its area, districts, distances to named layers, zoning and how much of it the
// exclusion rules take; ranked by the mean overall score.
#pragma once

#include "districts.hpp"

#include "standort/engine/assignment.hpp"
#include "standort/engine/matching.hpp"
#include "standort/engine/regions.hpp"
#include "standort/engine/sensitivity.hpp"
#include "standort/layers/vector_writer.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace standort::cli {

struct SiteRun {
  std::vector<SiteRecord> records;  ///< in the order of the input layer
  std::vector<std::size_t> order;   ///< indices into records, best first
  layers::VectorTable table;        ///< the ranked table (best first), for GeoJSON, GPKG, CSV
};

/// InputError when two candidate sites share an id (shortlists, explain and match name sites by
/// it).
void check_site_ids(const Scenario& scenario, const LoadedInputs& inputs);

/// `reason` holds each cell's first exclusion code (1-based rule index, 0 = none,
/// `code_nodata` outside the mask), `rule_hits` each rule's own cells (nonzero = hit); both empty
/// when the scenario has no constraints.
SiteRun site_statistics(const Scenario& scenario, const LoadedInputs& inputs,
                        const std::vector<StatSource>& sources, const Raster<std::uint8_t>* reason,
                        const std::vector<Raster<std::uint8_t>>& rule_hits,
                        std::uint8_t code_nodata, double threshold, int threads);

/// The regions found on the suitability surface ([regions]) as a table: rank, area, mean / min /
/// max score, the district of each district level holding most of it, the distances of [sites]
/// (when given), and its outline traced along the cell edges.
layers::VectorTable region_table(const Scenario& scenario, const LoadedInputs& inputs,
                                 const std::vector<FoundRegion>& regions, const Grid& grid);

/// Sites are scored as the tree over their mean criterion scores (so the exclusions, which only
/// lower cells' overall scores, do not enter). Per site (in rank order of the base weights): base
/// rank and score (and, for comparison, the site's rank in sites.csv, by its mean cell score), the
/// probability of ranking top_k or better, the 5 / 50 / 95 % rank percentiles and the score's mean
/// and sd over the runs.
layers::VectorTable sensitivity_site_table(const std::vector<SiteRecord>& sites,
                                           const std::vector<std::size_t>& sites_order,
                                           const SensitivityResult& result);
/// One row per weight change and site: the weight changed, its new value, the site's rank and how
/// far it moved from its base rank.
layers::VectorTable sensitivity_sweep_table(const Model& model,
                                            const std::vector<SiteRecord>& sites,
                                            const SensitivityResult& base_result,
                                            const std::vector<SweepResult>& sweep);

/// Site records as JSON (for `standort match`), atomically.
void write_site_records(const std::filesystem::path& target, const std::vector<SiteRecord>& sites);
/// Reads what write_site_records wrote; throws InputError naming the file.
std::vector<SiteRecord> read_site_records(const std::filesystem::path& file);

/// Matching of investor profiles to a run's sites: per investor the shortlist (with reasons) and
/// the rejected sites (with the requirement they fail), as two tables.
struct MatchTables {
  layers::VectorTable shortlists;
  std::vector<std::size_t> shortlist_sites;  ///< per shortlist row: its index into the sites
  layers::VectorTable rejections;
  /// Per investor its site in the joint (optimal) assignment and in the greedy first-come one
  /// (investors in file order), then a row with both totals.
  layers::VectorTable assignment;
  std::vector<MatchResult> results;  ///< per profile
  Assignment optimal;
  Assignment greedy;
};
MatchTables match_investors(const std::vector<InvestorProfile>& profiles,
                            const std::vector<SiteRecord>& sites,
                            const std::map<std::string, std::string>& pillar_titles);

}  // namespace standort::cli
