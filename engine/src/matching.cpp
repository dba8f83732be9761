#include "standort/engine/matching.hpp"

#include "standort/engine/error.hpp"
#include "standort/engine/scenario.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>

namespace standort {

namespace {

std::string line_of(const std::string& label, const toml::node& node) {
  const auto line = node.source().begin.line;
  return line > 0 ? label + ":" + std::to_string(line) : label;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string km(double m) { return fixed(m / 1000.0, 2) + " km"; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& names) {
  const std::string best = closest_match(word, names);
  return best.empty() ? "; known: " + joined(names) : "; did you mean '" + best + "'?";
}

double number(const toml::node& node, const std::string& where, const std::string& label) {
  if (const auto v = node.value<double>()) {
    if (!std::isfinite(*v))
      throw InputError(line_of(label, node) + ": " + where + " must be finite");
    return *v;
  }
  throw InputError(line_of(label, node) + ": " + where + " must be a number");
}

std::vector<std::string> strings(const toml::node& node, const std::string& where,
                                 const std::string& label) {
  const toml::array* a = node.as_array();
  if (!a) throw InputError(line_of(label, node) + ": " + where + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& e : *a) {
    const auto v = e.value<std::string>();
    if (!v) throw InputError(line_of(label, e) + ": " + where + " entries must be strings");
    out.push_back(*v);
  }
  return out;
}

std::map<std::string, double> number_table(const toml::node& node, const std::string& where,
                                           const std::string& label) {
  const toml::table* t = node.as_table();
  if (!t)
    throw InputError(line_of(label, node) + ": " + where +
                     " must be a table, e.g. { junctions = 3000, campuses = 2000 }");
  std::map<std::string, double> out;
  for (const auto& [k, v] : *t)
    out[std::string(k.str())] = number(v, where + "." + std::string(k.str()), label);
  return out;
}

InvestorProfile parse_profile(const std::string& key, const toml::table& t,
                              const std::string& label) {
  const std::string where = "[investors." + key + "]";
  InvestorProfile p;
  p.key = key;
  p.name = key;
  static const std::vector<std::string> known = {
      "name",      "description", "min_area_ha",      "max_area_ha",      "max_distance_m",
      "districts", "zoning",      "excluded_reasons", "max_excluded_pct", "preferences",
      "shortlist"};
  for (const auto& [k, v] : t) {
    const std::string name(k.str());
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError(line_of(label, v) + ": " + where + " has an unknown key '" + name + "'" +
                       suggestion(name, known));
    if (name == "name" || name == "description") {
      const auto s = v.value<std::string>();
      if (!s) throw InputError(line_of(label, v) + ": " + where + " " + name + " must be a string");
      (name == "name" ? p.name : p.description) = *s;
    } else if (name == "min_area_ha") {
      p.min_area_ha = number(v, where + " min_area_ha", label);
    } else if (name == "max_area_ha") {
      p.max_area_ha = number(v, where + " max_area_ha", label);
    } else if (name == "max_distance_m") {
      p.max_distance_m = number_table(v, where + " max_distance_m", label);
      for (const auto& [layer, m] : p.max_distance_m)
        if (!(m >= 0.0))
          throw InputError(line_of(label, v) + ": " + where + " max_distance_m." + layer +
                           " must be at least 0 metres");
    } else if (name == "districts") {
      p.districts = strings(v, where + " districts", label);
    } else if (name == "zoning") {
      p.zoning = strings(v, where + " zoning", label);
    } else if (name == "excluded_reasons") {
      p.excluded_reasons = strings(v, where + " excluded_reasons", label);
    } else if (name == "max_excluded_pct") {
      p.max_excluded_pct = number(v, where + " max_excluded_pct", label);
      if (!(p.max_excluded_pct >= 0.0 && p.max_excluded_pct <= 100.0))
        throw InputError(line_of(label, v) + ": " + where +
                         " max_excluded_pct must lie between 0 and 100");
    } else if (name == "preferences") {
      p.preferences = number_table(v, where + " preferences", label);
      double sum = 0.0;
      for (const auto& [criterion, w] : p.preferences) {
        if (!(w >= 0.0))
          throw InputError(line_of(label, v) + ": " + where + " preferences." + criterion +
                           " must be a weight of at least 0");
        sum += w;
      }
      if (!(sum > 0.0) || !std::isfinite(sum))
        throw InputError(line_of(label, v) + ": " + where +
                         " preferences need at least one positive weight and a finite sum; give "
                         "relative weights such as { campus_proximity = 3, wandel = 1 }");
    } else if (name == "shortlist") {
      const auto n = v.value<std::int64_t>();
      if (!n || *n < 1 || *n > 1000)
        throw InputError(line_of(label, v) + ": " + where +
                         " shortlist must be a whole number from 1 to 1000");
      p.shortlist = static_cast<int>(*n);
    }
  }
  if (!(p.min_area_ha >= 0.0) || !(p.max_area_ha >= p.min_area_ha))
    throw InputError(line_of(label, t) + ": " + where +
                     " needs 0 <= min_area_ha <= max_area_ha, got " + fixed(p.min_area_ha, 2) +
                     " and " + fixed(p.max_area_ha, 2));
  return p;
}

/// The first requirement `site` fails, or "" when it meets them all.
/// The first requirement `site` fails: its kind and the message with the numbers; empty if none.
std::pair<std::string, std::string> failed_requirement(const InvestorProfile& p,
                                                       const SiteRecord& site) {
  if (site.area_ha < p.min_area_ha)
    return {"area", "area " + fixed(site.area_ha, 2) + " ha is below the minimum of " +
                        fixed(p.min_area_ha, 2) + " ha"};
  if (site.area_ha > p.max_area_ha)
    return {"area", "area " + fixed(site.area_ha, 2) + " ha exceeds the maximum of " +
                        fixed(p.max_area_ha, 2) + " ha"};
  for (const auto& [layer, limit] : p.max_distance_m) {
    const auto it = site.distance_m.find(layer);
    if (it == site.distance_m.end() || !std::isfinite(it->second))
      return {"distance", "no distance to " + layer + " is known for the site"};
    if (it->second > limit) {
      const auto name = site.nearest.find(layer);
      return {"distance",
              layer + " " + km(it->second) + " away" +
                  (name != site.nearest.end() && !name->second.empty() ? " (" + name->second + ")"
                                                                       : "") +
                  ", at most " + km(limit) + " allowed"};
    }
  }
  if (!p.districts.empty()) {
    bool inside = false;
    for (const auto& [level, district] : site.districts)
      inside |= std::find(p.districts.begin(), p.districts.end(), district) != p.districts.end();
    if (!inside) {
      std::string where;
      for (const auto& [level, district] : site.districts)
        where += (where.empty() ? "" : ", ") + district;
      return {"district", "in " + (where.empty() ? std::string("no district") : where) +
                              ", not in an allowed district (" + joined(p.districts) + ")"};
    }
  }
  if (!p.zoning.empty() &&
      std::find(p.zoning.begin(), p.zoning.end(), site.zoning) == p.zoning.end())
    return {"zoning", "zoning " + (site.zoning.empty() ? std::string("unknown") : site.zoning) +
                          ", not one of " + joined(p.zoning)};
  if (!p.excluded_reasons.empty()) {
    const bool any = std::find(p.excluded_reasons.begin(), p.excluded_reasons.end(), "*") !=
                     p.excluded_reasons.end();
    if (any && site.excluded_any_pct > p.max_excluded_pct)
      return {"exclusion", fixed(site.excluded_any_pct, 1) +
                               " % of the site excluded by the rules, at most " +
                               fixed(p.max_excluded_pct, 1) + " % allowed"};
    double sum = 0.0;
    std::string names;
    for (const std::string& constraint : p.excluded_reasons) {
      const auto it = site.excluded_pct.find(constraint);
      if (it == site.excluded_pct.end()) continue;
      if (it->second > p.max_excluded_pct)
        return {"exclusion", fixed(it->second, 1) + " % of the site excluded by '" + constraint +
                                 "', at most " + fixed(p.max_excluded_pct, 1) + " % allowed"};
      sum += it->second;
      names += (names.empty() ? "'" : ", '") + constraint + "'";
    }
    if (!any && sum > p.max_excluded_pct)
      return {"exclusion", fixed(sum, 1) + " % of the site excluded by " + names +
                               " together, at most " + fixed(p.max_excluded_pct, 1) + " % allowed"};
  }
  return {};
}

}  // namespace

std::vector<InvestorProfile> parse_investor_profiles(const std::string& text,
                                                     const std::string& label) {
  toml::table root;
  try {
    check_toml_key_depth(text, label);  // toml++ recurses once per level of a dotted key
    root = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    throw InputError(label + ":" + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()) + "; fix the TOML syntax");
  }
  for (const auto& [k, v] : root)
    if (k.str() != "investors")
      throw InputError(line_of(label, v) + ": unknown top-level key '" + std::string(k.str()) +
                       "'; profiles go under [investors.NAME]");
  const toml::table* investors = root["investors"].as_table();
  if (!investors || investors->empty())
    throw InputError(label + ": no profiles; add one as [investors.NAME] with its requirements");
  std::vector<InvestorProfile> out;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> positions;
  for (const auto& [k, v] : *investors) {
    const toml::table* t = v.as_table();
    if (!t)
      throw InputError(line_of(label, v) + ": investors." + std::string(k.str()) +
                       " must be a table: [investors." + std::string(k.str()) + "]");
    out.push_back(parse_profile(std::string(k.str()), *t, label));
    positions.emplace_back(v.source().begin.line, v.source().begin.column);
  }
  // toml++ keeps a table's keys sorted; "first come, first served" means the file's order.
  std::vector<std::size_t> order(out.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return positions[a] < positions[b]; });
  std::vector<InvestorProfile> in_file_order;
  for (std::size_t i : order) in_file_order.push_back(std::move(out[i]));
  // Shortlists, rejections and the assignment name investors by their display names.
  for (std::size_t i = 0; i < in_file_order.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (in_file_order[i].name == in_file_order[j].name)
        throw InputError(label + ": [investors." + in_file_order[i].key + "] and [investors." +
                         in_file_order[j].key + "] have the same name '" + in_file_order[i].name +
                         "'; give each profile its own name");
  return in_file_order;
}

std::vector<InvestorProfile> load_investor_profiles(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string() + ": cannot read the investor profiles; check the path");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_investor_profiles(text.str(), file.string());
}

void check_profile(const InvestorProfile& profile, const std::vector<std::string>& distance_layers,
                   const std::vector<std::string>& score_names,
                   const std::vector<std::string>& constraint_names) {
  const std::string where = "[investors." + profile.key + "]";
  for (const auto& [layer, m] : profile.max_distance_m)
    if (std::find(distance_layers.begin(), distance_layers.end(), layer) == distance_layers.end())
      throw InputError(where + " max_distance_m." + layer + ": the sites have no distance to '" +
                       layer + "'; list it in the scenario's [sites] distances" +
                       suggestion(layer, distance_layers));
  for (const auto& [name, w] : profile.preferences)
    if (std::find(score_names.begin(), score_names.end(), name) == score_names.end())
      throw InputError(where + " preferences." + name + ": no criterion or pillar of that name" +
                       suggestion(name, score_names));
  for (const std::string& reason : profile.excluded_reasons)
    if (reason != "*" && std::find(constraint_names.begin(), constraint_names.end(), reason) ==
                             constraint_names.end())
      throw InputError(where + " excluded_reasons: '" + reason +
                       "' is no constraint of the scenario" + suggestion(reason, constraint_names));
}

MatchResult match_sites(const InvestorProfile& profile, const std::vector<SiteRecord>& sites,
                        const std::map<std::string, std::string>& pillar_titles) {
  MatchResult out;
  out.fit.assign(sites.size(), std::numeric_limits<double>::quiet_NaN());
  double weight_sum = 0.0;
  for (const auto& [name, w] : profile.preferences) weight_sum += w;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const SiteRecord& site = sites[i];
    auto [kind, failed] = failed_requirement(profile, site);
    double fit = site.suitability;
    if (failed.empty() && !profile.preferences.empty()) {
      fit = 0.0;
      for (const auto& [name, w] : profile.preferences) {
        const auto it = site.scores.find(name);
        if (it == site.scores.end() || !std::isfinite(it->second)) {
          kind = "data";
          failed = "no " + name + " score (the site has no data there)";
          break;
        }
        fit += w / weight_sum * it->second;
      }
    }
    if (failed.empty() && !std::isfinite(fit)) {
      kind = "data";
      failed = "no suitability data at the site";
    }
    if (!failed.empty()) {
      out.rejected.push_back({i, kind, failed});
      continue;
    }
    out.fit[i] = fit;
    // The reason: where it is, how far the listed layers are, and its strongest pillar.
    std::string reason;
    if (!site.districts.empty()) reason = "in " + site.districts.begin()->second;
    if (!site.zoning.empty())
      reason += (reason.empty() ? "zoning " : " (") + site.zoning + (reason.empty() ? "" : ")");
    for (const auto& [layer, d] : site.distance_m) {
      if (!std::isfinite(d)) continue;
      const auto name = site.nearest.find(layer);
      reason +=
          (reason.empty() ? "" : ", ") + layer + " " + km(d) +
          (name != site.nearest.end() && !name->second.empty() ? " (" + name->second + ")" : "");
    }
    std::string best;
    double best_score = -1.0;
    for (const auto& [pillar, title] : pillar_titles) {
      const auto it = site.scores.find(pillar);
      if (it != site.scores.end() && std::isfinite(it->second) && it->second > best_score) {
        best_score = it->second;
        best = title;
      }
    }
    if (!best.empty()) reason += "; best on " + best + " (" + fixed(best_score, 2) + ")";
    out.ranked.push_back({i, fit, reason});
  }
  std::stable_sort(out.ranked.begin(), out.ranked.end(),
                   [](const SiteMatch& a, const SiteMatch& b) { return a.fit > b.fit; });
  return out;
}

}  // namespace standort
