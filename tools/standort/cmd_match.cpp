// `standort match PROFILES [OUTDIR]`: matches investors' requirement profiles to the candidate
// sites of a run (its sites.json and manifest), prints each investor's shortlist with reasons, the
// sites that fail a requirement with the requirement, and the joint assignment of competing
// investors next to the greedy first-come one.
#include "commands.hpp"
#include "pipeline.hpp"
#include "sites.hpp"

#include "standort/engine/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace standort::cli {

namespace {}  // namespace

Action register_match(CLI::App& app, const GlobalOptions& global) {
  struct Options {
    std::string profiles;
    std::string out_dir;
    bool json = false;
    bool all = false;
  };
  auto opt = std::make_shared<Options>();
  app.add_option("profiles", opt->profiles, "Investor profiles (TOML, [investors.NAME] tables)")
      ->required();
  app.add_option("outdir", opt->out_dir,
                 "Output folder of a run with [sites] (default: that of the built-in scenario)");
  app.add_flag("--json", opt->json, "Print JSON instead of text");
  app.add_flag("--all", opt->all, "List every fitting site, not just each shortlist");
  return [opt, &global]() {
    (void)global;
    namespace fs = std::filesystem;
    fs::path out = opt->out_dir;
    if (out.empty()) out = load_scenario(default_scenario()).outputs.folder;
    const fs::path manifest_file = out / "manifest.json";
    std::ifstream in(manifest_file);
    if (!in)
      throw InputError(manifest_file.string() +
                       ": no run's outputs here; run 'standort run' first or give the output "
                       "folder of a run");
    nlohmann::json manifest;
    try {
      manifest = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(manifest_file.string() + ": not a readable manifest (" + e.what() +
                       "); run the scenario again");
    }
    bool listed = false;
    if (manifest.contains("outputs") && manifest["outputs"].is_array())
      for (const auto& o : manifest["outputs"])
        listed |= o.is_object() && o.value("file", std::string()) == "sites.json";
    if (!listed)
      throw InputError(manifest_file.string() +
                       ": this run ranked no candidate sites; add a [sites] section to the "
                       "scenario and run it again");
    const std::vector<SiteRecord> sites = read_site_records(out / "sites.json");
    std::vector<InvestorProfile> profiles = load_investor_profiles(opt->profiles);
    // What the run offers to match against: its distance layers, criteria, pillars, rules.
    std::vector<std::string> distances, scores, constraints;
    for (const SiteRecord& s : sites)
      for (const auto& [layer, d] : s.distance_m)
        if (std::find(distances.begin(), distances.end(), layer) == distances.end())
          distances.push_back(layer);
    std::map<std::string, std::string> pillars;
    try {
      const nlohmann::json& model = manifest.at("model");
      for (const auto& n : model.at("nodes")) {
        if (n.at("parent").get<int>() < 0) continue;
        scores.push_back(n.at("name").get<std::string>());
        if (!n.contains("criterion") && n.at("parent").get<int>() == 0)
          pillars[n.at("name").get<std::string>()] =
              n.value("title", n.at("name").get<std::string>());
      }
      for (const auto& c : model.at("constraints"))
        constraints.push_back(c.at("name").get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw InputError(manifest_file.string() + ": the criteria tree is incomplete (" + e.what() +
                       "); run the scenario again");
    }
    for (const InvestorProfile& p : profiles) {
      try {
        check_profile(p, distances, scores, constraints);
      } catch (const InputError& e) {
        throw InputError(opt->profiles + ": " + e.what());
      }
    }
    if (opt->all)
      for (InvestorProfile& p : profiles) p.shortlist = static_cast<int>(sites.size());
    const MatchTables m = match_investors(profiles, sites, pillars);

    if (opt->json) {
      nlohmann::json j = nlohmann::json::array();
      for (std::size_t i = 0; i < profiles.size(); ++i) {
        nlohmann::json shortlist = nlohmann::json::array(), rejected = nlohmann::json::array();
        const MatchResult& r = m.results[i];
        for (std::size_t k = 0;
             k < r.ranked.size() && k < static_cast<std::size_t>(profiles[i].shortlist); ++k)
          shortlist.push_back({{"rank", k + 1},
                               {"site_id", sites[r.ranked[k].site].id},
                               {"site", sites[r.ranked[k].site].name},
                               {"fit", r.ranked[k].fit},
                               {"reason", r.ranked[k].reason}});
        for (const SiteRejection& x : r.rejected)
          rejected.push_back({{"site_id", sites[x.site].id},
                              {"site", sites[x.site].name},
                              {"requirement_kind", x.kind},
                              {"requirement", x.requirement}});
        auto site_or_null = [&](const Assignment& a) {
          const int s = a.site_of[i];
          return s < 0 ? nlohmann::json() : nlohmann::json(sites[static_cast<std::size_t>(s)].id);
        };
        j.push_back({{"investor", profiles[i].key},
                     {"name", profiles[i].name},
                     {"shortlist", shortlist},
                     {"rejected", rejected},
                     {"joint_site_id", site_or_null(m.optimal)},
                     {"greedy_site_id", site_or_null(m.greedy)}});
      }
      nlohmann::json doc = {{"investors", j},
                            {"joint_total_fit", m.optimal.total_fit},
                            {"greedy_total_fit", m.greedy.total_fit}};
      std::cout << doc.dump(2) << "\n";
      return 0;
    }
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      const InvestorProfile& p = profiles[i];
      const MatchResult& r = m.results[i];
      std::cout << p.name << (p.description.empty() ? "" : " — " + p.description) << "\n";
      if (r.ranked.empty()) std::cout << "  no site meets every requirement\n";
      for (std::size_t k = 0; k < r.ranked.size() && k < static_cast<std::size_t>(p.shortlist);
           ++k) {
        const SiteMatch& s = r.ranked[k];
        std::cout << "  " << k + 1 << ". " << sites[s.site].name << " ("
                  << format_number(sites[s.site].area_ha, 1) << " ha)  fit "
                  << format_number(s.fit, 3) << "  " << s.reason << "\n";
      }
      std::cout << "  " << r.rejected.size() << " of " << sites.size()
                << " sites fail a requirement";
      if (!r.rejected.empty())
        std::cout << ", e.g. " << sites[r.rejected.front().site].name << ": "
                  << r.rejected.front().requirement;
      std::cout << "\n\n";
    }
    std::cout
        << "Joint assignment (each investor a different site; most investors placed, then the "
           "largest total fit) against first come, first served in file order:\n";
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      auto name = [&](const Assignment& a) {
        const int s = a.site_of[i];
        return s < 0 ? std::string("none") : sites[static_cast<std::size_t>(s)].name;
      };
      std::cout << "  " << profiles[i].name << ": " << name(m.optimal)
                << "  |  greedy: " << name(m.greedy) << "\n";
    }
    std::cout << "  total fit " << format_number(m.optimal.total_fit, 3) << " ("
              << m.optimal.assigned << " placed)  |  greedy "
              << format_number(m.greedy.total_fit, 3) << " (" << m.greedy.assigned << " placed)\n";
    return 0;
  };
}

}  // namespace standort::cli
