#include "standort/engine/scenario.hpp"

#include "standort/engine/error.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace standort {
namespace {

namespace fs = std::filesystem;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string best = closest_match(word, candidates);
  if (!best.empty()) return "; did you mean '" + best + "'?";
  std::string list;
  for (const auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
  return list.empty() ? std::string() : "; expected one of: " + list;
}

// Reads one TOML table, remembering which keys were asked for, so that leftovers can be reported
// as unknown with a suggestion.
// `v` in the fewest digits that still show it ("2.5", "inf", "1e+300"), for messages.
std::string short_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class Section {
 public:
  Section(const toml::table& table, std::string where, const std::string& label)
      : m_table(table), m_where(std::move(where)), m_label(label) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& message) const {
    std::ostringstream s;
    s << m_label;
    const int line = node ? static_cast<int>(node->source().begin.line) : 0;
    if (line > 0) s << ":" << line;
    s << ": " << m_where << " " << message;
    throw InputError(s.str());
  }

  int line() const { return static_cast<int>(m_table.source().begin.line); }

  const toml::node* get(const std::string& key) {
    m_known.push_back(key);
    return m_table.get(key);
  }

  std::optional<std::string> string(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(n, key + " must be a string (in quotes)");
    return n->value<std::string>();
  }

  std::optional<double> number(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    return as_number(n, key);
  }

  double as_number(const toml::node* n, const std::string& what) const {
    double v = 0.0;
    if (n->is_integer())
      v = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point())
      v = n->as_floating_point()->get();
    else if (n->is_string()) {
      const std::string text = n->as_string()->get();
      fail(n,
           what + " must be a number, got the string \"" + text + "\"" +
               (text.find(',') != std::string::npos ? " (use a decimal point, not a comma)" : ""));
    } else {
      fail(n, what + " must be a number");
    }
    if (!std::isfinite(v)) fail(n, what + " must be a finite number, got " + short_number(v));
    return v;
  }

  std::optional<bool> boolean(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) fail(n, key + " must be true or false");
    return n->as_boolean()->get();
  }

  const toml::table* table(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(n, key + " must be a table");
    return n->as_table();
  }

  const toml::array* array(const std::string& key) {
    const toml::node* n = get(key);
    if (!n) return nullptr;
    if (!n->is_array()) fail(n, key + " must be an array [ ... ]");
    return n->as_array();
  }

  /// Every key present must have been asked for.
  void finish() const {
    for (const auto& [key, node] : m_table) {
      const std::string k(key.str());
      if (std::find(m_known.begin(), m_known.end(), k) == m_known.end())
        fail(&node, "has an unknown key '" + k + "'" + did_you_mean(k, m_known));
    }
  }

  const std::string& where() const { return m_where; }

 private:
  const toml::table& m_table;
  std::string m_where;
  const std::string& m_label;
  std::vector<std::string> m_known;
};

// toml++ keeps a table's keys sorted; scenario order (inputs, criteria) follows the file instead.
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& t) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, node] : t) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.second->source().begin;
    const auto& sb = b.second->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  return entries;
}

fs::path resolve(const fs::path& base, const std::string& p) {
  if (p.rfind("PG:", 0) == 0) return p;  // a PostgreSQL connection, not a file
  fs::path path(p);
  if (path.is_relative()) path = base / path;
  return path.lexically_normal();
}

// `p` with symbolic links resolved as far as it exists, so that a link cannot lead out of an
// allowed root; without a trailing separator.
fs::path real_path(const fs::path& p) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(p), ec);
  if (ec) out = fs::absolute(p).lexically_normal();
  if (out.filename().empty() && out.has_parent_path()) out = out.parent_path();
  return out;
}

bool below(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

// Relative weights beyond this are not a judgement but a slip, and a sum of a few of them near
// the largest double overflows to infinity, which would normalise every weight to 0.
constexpr double max_weight = 1e9;

double checked_weight(Section& s, const std::string& key, double w) {
  if (!(w > 0.0 && w <= max_weight))
    s.fail(s.get(key), key + " must be a positive number of at most 1e9 (only the ratios " +
                           "between siblings count, e.g. 2 = twice as important as 1), got " +
                           short_number(w));
  return w;
}

// A hint for TOML's own parse errors where a planner's habit is the likely cause: a key given
// twice, or a decimal comma (German "2,5").
std::string toml_hint(const std::string& text, std::size_t line, const std::string& error) {
  if (error.find("redefine") != std::string::npos)
    return "; a key or table may appear only once: delete or rename one of the two";
  std::istringstream lines(text);
  std::string row;
  for (std::size_t i = 0; i < line; ++i)
    if (!std::getline(lines, row)) return "";
  const std::size_t eq = row.find('=');
  if (eq == std::string::npos) return "";
  std::size_t i = row.find_first_not_of(" \t", eq + 1);
  if (i != std::string::npos && (row[i] == '-' || row[i] == '+')) ++i;
  const std::size_t digits = i == std::string::npos ? i : row.find_first_not_of("0123456789", i);
  if (digits != std::string::npos && digits > i && row[digits] == ',' && digits + 1 < row.size() &&
      std::isdigit(static_cast<unsigned char>(row[digits + 1])))
    return "; write decimals with a point (" + row.substr(i, digits - i) + "." +
           row.substr(digits + 1, row.find_first_not_of("0123456789", digits + 1) - (digits + 1)) +
           "), not a comma";
  return "";
}

void check_name(Section& s, const toml::node* n, const std::string& name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      }))
    s.fail(n, "name '" + name + "' must be letters, digits, '_' or '-'");
}

GeometryKind parse_geometry(Section& s, const std::string& key) {
  const auto value = s.string(key);
  if (*value == "point") return GeometryKind::point;
  if (*value == "polygon") return GeometryKind::polygon;
  if (*value == "line") return GeometryKind::line;
  s.fail(s.get(key), key + " must be \"point\", \"line\" or \"polygon\", got \"" + *value + "\"" +
                         did_you_mean(*value, {"point", "line", "polygon"}));
}

/// Reads `points = [[x, score], ...]` (at least `min_points` pairs).
std::vector<ValuePoint> parse_points(Section& s, const toml::node* table_node,
                                     std::size_t min_points) {
  const toml::array* points = s.array("points");
  if (!points) s.fail(table_node, "needs points = [[x0, score0], [x1, score1], ...]");
  if (points->size() < min_points)
    s.fail(points, "points must hold at least " + std::to_string(min_points) +
                       " [x, score] pairs, got " + std::to_string(points->size()));
  std::vector<ValuePoint> out;
  for (std::size_t i = 0; i < points->size(); ++i) {
    const toml::node* pair = points->get(i);
    if (!pair->is_array() || pair->as_array()->size() != 2)
      s.fail(pair, "points[" + std::to_string(i) + "] must be a pair [x, score]");
    out.push_back({s.as_number(pair->as_array()->get(0), "points[" + std::to_string(i) + "][0]"),
                   s.as_number(pair->as_array()->get(1), "points[" + std::to_string(i) + "][1]")});
  }
  return out;
}

ValueSpec parse_value(Section& parent, const toml::node* node, const std::string& where,
                      const std::string& label) {
  if (!node->is_table())
    parent.fail(node,
                "value must be a table, e.g. { function = \"linear\", points = [[500, 1.0], [5000, "
                "0.0]] }");
  Section s(*node->as_table(), where + ".value", label);
  const std::string function = s.string("function").value_or("linear");
  ValueKind kind{};
  try {
    kind = parse_value_kind(function, where + ".value");
  } catch (const InputError&) {
    s.fail(s.get("function"),
           "function \"" + function + "\" is unknown" + did_you_mean(function, value_kind_names()));
  }
  // Required parameters have no default: a guessed midpoint or spread would change the scores
  // without the planner noticing.
  auto need = [&](const std::string& key) {
    const auto v = s.number(key);
    if (!v) s.fail(node, "needs " + key + " = NUMBER for function \"" + function + "\"");
    return *v;
  };
  ValueSpec spec;
  switch (kind) {
    case ValueKind::linear: {
      const auto pts = parse_points(s, node, 2);
      if (pts.size() != 2)
        s.fail(s.get("points"), "a linear function takes exactly two [x, score] pairs, got " +
                                    std::to_string(pts.size()) + "; use function = \"piecewise\"");
      spec.function = LinearValue{pts[0].value, pts[0].score, pts[1].value, pts[1].score};
      break;
    }
    case ValueKind::logistic_growth:
      spec.function = LogisticGrowthValue{need("midpoint"), need("steepness")};
      break;
    case ValueKind::logistic_decay:
      spec.function = LogisticDecayValue{need("midpoint"), need("steepness")};
      break;
    case ValueKind::gaussian:
      spec.function = GaussianValue{need("ideal"), need("spread")};
      break;
    case ValueKind::fuzzy_small:
      spec.function = FuzzySmallValue{need("midpoint"), s.number("spread").value_or(5.0)};
      break;
    case ValueKind::fuzzy_large:
      spec.function = FuzzyLargeValue{need("midpoint"), s.number("spread").value_or(5.0)};
      break;
    case ValueKind::fuzzy_near:
      spec.function = FuzzyNearValue{need("midpoint"), need("spread")};
      break;
    case ValueKind::fuzzy_gaussian:
      spec.function = FuzzyGaussianValue{need("midpoint"), need("spread")};
      break;
    case ValueKind::fuzzy_ms_small:
    case ValueKind::fuzzy_ms_large: {
      const auto mean = s.number("mean");
      const auto sd = s.number("std_dev");
      if (mean.has_value() != sd.has_value())
        s.fail(node, "give both mean and std_dev, or neither (then they come from the indicator)");
      spec.moments_from_data = !mean;
      // Placeholders until the indicator's moments are known; validated again then.
      const double m = mean.value_or(1.0), d = sd.value_or(1.0);
      const double a = s.number("mean_multiplier").value_or(1.0);
      const double b = s.number("std_multiplier").value_or(1.0);
      if (kind == ValueKind::fuzzy_ms_small)
        spec.function = FuzzyMSSmallValue{m, d, a, b};
      else
        spec.function = FuzzyMSLargeValue{m, d, a, b};
      break;
    }
    case ValueKind::power:
      spec.function = PowerValue{need("low"), need("high"), s.number("exponent").value_or(1.0)};
      break;
    case ValueKind::symmetric_linear:
      spec.function = SymmetricLinearValue{need("centre"), need("half_width"),
                                           s.number("plateau_width").value_or(0.0)};
      break;
    case ValueKind::piecewise:
      spec.function = PiecewiseValue{parse_points(s, node, 2)};
      break;
    case ValueKind::categorical: {
      CategoricalValue c;
      const toml::table* map = s.table("map");
      if (!map) s.fail(node, "needs map = { \"CODE\" = SCORE, ... }, e.g. map = { \"1\" = 1.0 }");
      for (const auto& [key, score] : *map) {
        const std::string code(key.str());
        char* end = nullptr;
        const double v = std::strtod(code.c_str(), &end);
        if (code.empty() || end != code.c_str() + code.size())
          s.fail(&score,
                 "map key \"" + code + "\" is not a number; codes are numeric, e.g. \"12\"");
        c.categories.push_back({v, s.as_number(&score, "map[\"" + code + "\"]")});
      }
      c.default_score = s.number("default");
      spec.function = std::move(c);
      break;
    }
  }
  s.finish();
  try {
    spec.function.validate(where + ".value");
  } catch (const InputError& e) {
    s.fail(node, std::string("has a problem: ") + e.what());
  }
  return spec;
}

void parse_density(Section& s, DensitySpec& d) {
  if (const auto k = s.string("kernel")) {
    const std::vector<std::string> names{"quartic",   "triangular",   "uniform",
                                         "triweight", "epanechnikov", "gaussian"};
    if (std::find(names.begin(), names.end(), *k) == names.end())
      s.fail(s.get("kernel"), "kernel \"" + *k + "\" is unknown" + did_you_mean(*k, names));
    d.kernel = parse_kernel(*k, s.where());
  }
  if (const auto r = s.number("radius_m")) {
    if (*r <= 0.0) s.fail(s.get("radius_m"), "radius_m must be positive metres");
    d.radius_m = *r;
  }
  d.radius_field = s.string("radius_field").value_or("");
  d.weight_field = s.string("weight_field").value_or("");
  if (const auto rule = s.string("bandwidth")) {
    if (*rule == "silverman")
      d.rule = BandwidthRule::silverman;
    else if (*rule == "scott")
      d.rule = BandwidthRule::scott;
    else
      s.fail(s.get("bandwidth"), "bandwidth \"" + *rule + "\" is unknown" +
                                     did_you_mean(*rule, {"silverman", "scott"}));
  }
  const int given = (d.radius_m > 0.0) + !d.radius_field.empty() + (d.rule != BandwidthRule::none);
  if (given > 1) s.fail(s.get("radius_m"), "give one of radius_m, radius_field or bandwidth");
  if (given == 0) d.rule = BandwidthRule::silverman;
  if (const auto decay = s.number("decay")) {
    if (d.kernel != Kernel::triangular)
      s.fail(s.get("decay"), "decay applies to the triangular kernel only");
    if (*decay < -1.0 || *decay > 1.0) s.fail(s.get("decay"), "decay must lie between -1 and 1");
    d.decay = *decay;
  }
  if (const auto scale = s.string("output_values")) {
    const std::vector<std::string> names{"raw", "scaled", "density_per_m2", "density_per_km2"};
    if (*scale == "raw")
      d.scale = DensityScale::raw;
    else if (*scale == "scaled")
      d.scale = DensityScale::qgis_scaled;
    else if (*scale == "density_per_m2")
      d.per_km2 = false;
    else if (*scale != "density_per_km2")
      s.fail(s.get("output_values"),
             "output_values \"" + *scale + "\" is unknown" + did_you_mean(*scale, names));
    if (d.kernel == Kernel::gaussian && d.scale == DensityScale::qgis_scaled)
      s.fail(s.get("output_values"),
             "QGIS has no Gaussian kernel, so \"scaled\" is undefined for it; use \"raw\" or "
             "\"density_per_km2\"");
  }
  if (d.kernel == Kernel::triangular && d.scale == DensityScale::density && d.decay <= -0.5)
    s.fail(s.get("decay"),
           "a triangular kernel with decay <= -0.5 is not a density; use output_values = \"raw\"");
}

}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

const InputSpec* Scenario::find_input(const std::string& n) const {
  for (const auto& i : inputs)
    if (i.name == n) return &i;
  return nullptr;
}

/// Reads `aggregation = "wlc"` or `aggregation = { method = "owa", andness = 0.7 }`.
AggregationSpec parse_aggregation(Section& s, const std::string& label) {
  AggregationSpec spec;
  const toml::node* n = s.get("aggregation");
  if (!n) return spec;
  auto method = [&](const toml::node* at, const std::string& name) {
    try {
      return parse_aggregation_method(name, s.where());
    } catch (const InputError&) {
      s.fail(at, "aggregation \"" + name + "\" is unknown" +
                     did_you_mean(name, {"wlc", "weighted_product", "owa", "fuzzy_and", "fuzzy_or",
                                         "fuzzy_product", "fuzzy_sum", "fuzzy_gamma"}));
    }
  };
  if (n->is_string()) {
    spec.method = method(n, n->as_string()->get());
  } else if (n->is_table()) {
    Section a(*n->as_table(), s.where() + " aggregation", label);
    const auto name = a.string("method");
    if (!name) a.fail(n, "needs method = \"owa\" (or another aggregation)");
    spec.method = method(a.get("method"), *name);
    spec.andness = a.number("andness");
    if (const toml::array* w = a.array("order_weights"))
      for (const auto& v : *w) spec.order_weights.push_back(a.as_number(&v, "order_weights"));
    if (const auto g = a.number("gamma")) spec.gamma = *g;
    a.finish();
  } else {
    s.fail(n,
           "aggregation must be a name such as \"wlc\" or a table { method = \"owa\", "
           "andness = 0.7 }");
  }
  try {
    spec.validate(s.where() + " aggregation");
  } catch (const InputError& e) {
    s.fail(n, std::string("has a problem: ") + e.what());
  }
  return spec;
}

/// Reads one pairwise comparison matrix: rows of numbers or Saaty fractions such as "1/3".
PairwiseMatrix parse_matrix(Section& s, const toml::node* at, const std::string& what) {
  if (!at || !at->is_array())
    s.fail(at, what + " must be an array of rows, e.g. [[1, 3], [\"1/3\", 1]]");
  PairwiseMatrix m;
  for (const auto& row : *at->as_array()) {
    if (!row.is_array()) s.fail(&row, what + " rows must be arrays");
    std::vector<double> r;
    for (const auto& v : *row.as_array()) {
      if (v.is_string()) {
        try {
          r.push_back(parse_saaty_judgement(v.as_string()->get(), s.where() + " " + what));
        } catch (const InputError& e) {
          s.fail(&v, std::string("has a problem: ") + e.what());
        }
      } else {
        r.push_back(s.as_number(&v, what + " entries"));
      }
    }
    m.push_back(std::move(r));
  }
  return m;
}

/// Reads `weighting = "..."` and the `ahp` table of an inner node of the criteria tree.
WeightingSpec parse_weighting(Section& s, const std::string& label) {
  WeightingSpec w;
  const toml::table* ahp_table = s.table("ahp");
  if (const auto name = s.string("weighting")) {
    try {
      w.method = parse_weighting_method(*name, s.where());
    } catch (const InputError&) {
      s.fail(s.get("weighting"), "weighting \"" + *name + "\" is unknown" +
                                     did_you_mean(*name, weighting_method_names()));
    }
  } else if (ahp_table) {
    w.method = ahp_table->get("stakeholders") ? WeightingMethod::group_ahp : WeightingMethod::ahp;
  }
  const bool is_ahp = w.method == WeightingMethod::ahp || w.method == WeightingMethod::group_ahp;
  if (is_ahp && !ahp_table)
    s.fail(s.get("weighting"), "weighting \"" + weighting_method_name(w.method) +
                                   "\" needs an ahp table: order = [...] and matrix = [[...]]");
  if (!is_ahp && ahp_table)
    s.fail(s.get("ahp"), "has an ahp table but weighting = \"" + weighting_method_name(w.method) +
                             "\"; set weighting = \"ahp\" or remove the table");
  if (!ahp_table) return w;
  Section a(*ahp_table, s.where() + ".ahp", label);
  if (const toml::array* order = a.array("order"))
    for (const auto& v : *order) {
      if (!v.is_string()) a.fail(&v, "order entries must be names in quotes");
      w.order.push_back(v.as_string()->get());
    }
  if (w.order.empty())
    a.fail(s.get("ahp"), "needs order = [\"child1\", \"child2\", ...]: the rows of the matrix");
  if (const auto limit = a.number("cr_limit")) w.cr_limit = *limit;
  w.accept_inconsistent = a.boolean("accept_inconsistent").value_or(false);
  if (w.method == WeightingMethod::ahp) {
    w.matrices.push_back(parse_matrix(a, a.get("matrix"), "matrix"));
  } else {
    const toml::table* people = a.table("stakeholders");
    if (!people)
      a.fail(s.get("ahp"), "group_ahp needs [...ahp.stakeholders.NAME] tables, each with a matrix");
    for (const auto& [name, node] : in_file_order(*people)) {
      if (!node->is_table()) a.fail(node, "stakeholder '" + name + "' must be a table");
      Section p(*node->as_table(), a.where() + ".stakeholders." + name, label);
      w.stakeholders.push_back(name);
      w.matrices.push_back(parse_matrix(p, p.get("matrix"), "matrix"));
      const auto weight = p.number("weight");
      w.stakeholder_weights.push_back(weight ? checked_weight(p, "weight", *weight) : 1.0);
      p.finish();
    }
  }
  a.finish();
  return w;
}

/// Reads a node's weight or rank among its siblings.
void parse_node_weight(Section& s, ModelNode& n) {
  if (const auto w = s.number("weight")) n.raw_weight = checked_weight(s, "weight", *w);
  if (const auto r = s.number("rank")) {
    // Checked before the conversion: a double beyond int's range converts to nothing defined.
    if (!(*r >= 1.0 && *r <= 1e6 && *r == std::floor(*r)))
      s.fail(s.get("rank"), "rank must be a whole number from 1 (most important) to 1000000");
    n.rank = static_cast<int>(*r);
  }
}

void check_toml_key_depth(const std::string& text, const std::string& label, int max_depth) {
  // Dots between the characters that end a key (= , { } [ ] and line ends) count the levels of
  // a dotted key, wherever it stands (also inside inline tables); strings and comments are
  // skipped, numbers have at most one dot.
  int line = 1;
  int depth = 1;
  auto skip_to = [&](std::size_t from, const std::string& end, bool escapes) {
    for (std::size_t i = from; i < text.size(); ++i) {
      if (escapes && text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == '\n') {
        if (end.size() == 1) return i - 1;  // single-line strings end with the line
        ++line;
      }
      if (text.compare(i, end.size(), end) == 0) return i + end.size() - 1;
    }
    return text.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (text.compare(i, 3, "\"\"\"") == 0) {
      i = skip_to(i + 3, "\"\"\"", true);
    } else if (text.compare(i, 3, "'''") == 0) {
      i = skip_to(i + 3, "'''", false);
    } else if (c == '"' || c == '\'') {
      i = skip_to(i + 1, std::string(1, c), c == '"');
    } else if (c == '#') {
      i = skip_to(i + 1, "\n", false);
    } else if (c == '.') {
      if (++depth > max_depth)
        throw InputError(label + ":" + std::to_string(line) + ": a key nests more than " +
                         std::to_string(max_depth) +
                         " levels deep (a dotted key or table header); standort's files nest "
                         "at most a few, e.g. [pillars.wissen.ahp]: check the line");
    } else if (c == '\n' || c == '=' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']') {
      depth = 1;
      if (c == '\n') ++line;
    }
  }
}

Scenario parse_scenario(const std::string& text, const std::string& label,
                        const fs::path& base_dir) {
  // toml++ builds and frees nested tables recursively: a dotted key of 100,000 parts would
  // overflow the stack before any message could be given.
  check_toml_key_depth(text, label);
  toml::table root;
  try {
    root = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    std::ostringstream s;
    s << label << ":" << e.source().begin.line << ":" << e.source().begin.column
      << ": not valid TOML: " << e.description()
      << toml_hint(text, e.source().begin.line, std::string(e.description()));
    throw InputError(s.str());
  }

  Scenario sc;
  Section top(root, "scenario file", label);

  if (const toml::table* t = top.table("scenario")) {
    Section s(*t, "[scenario]", label);
    sc.name = s.string("name").value_or("");
    sc.description = s.string("description").value_or("");
    if (const toml::array* roots = s.array("allowed_roots")) {
      for (const auto& r : *roots) {
        if (!r.is_string() || r.as_string()->get().empty())
          s.fail(&r, "allowed_roots entries must be folder paths in quotes");
        sc.allowed_roots.push_back(resolve(base_dir, r.as_string()->get()));
      }
      if (sc.allowed_roots.empty())
        s.fail(roots,
               "allowed_roots is empty, so no input could be read; list the folders inputs may "
               "come from, or remove the key");
    }
    s.finish();
  }

  std::vector<std::string> input_names;
  if (const toml::table* t = top.table("inputs")) {
    for (const auto& [name, node_ptr] : in_file_order(*t)) {
      const toml::node& node = *node_ptr;
      Section holder(*t, "[inputs]", label);
      if (!node.is_table())
        holder.fail(&node, "entry '" + name + "' must be a table [inputs." + name + "]");
      Section s(*node.as_table(), "[inputs." + name + "]", label);
      check_name(s, &node, name);
      InputSpec in;
      in.name = name;
      in.line = s.line();
      const auto path = s.string("path");
      if (!path || path->empty())
        s.fail(&node, "needs path = \"...\" (relative to the scenario's folder)");
      in.path = resolve(base_dir, *path);
      in.layer = s.string("layer").value_or("");
      if (s.string("geometry")) in.geometry = parse_geometry(s, "geometry");
      in.id_field = s.string("id_field").value_or("");
      in.name_field = s.string("name_field").value_or("");
      in.assume_crs = s.string("assume_crs").value_or("");
      in.x_field = s.string("x_field").value_or("");
      in.y_field = s.string("y_field").value_or("");
      if (in.x_field.empty() != in.y_field.empty())
        s.fail(&node, "x_field and y_field go together; give both or neither");
      in.encoding = s.string("encoding").value_or("");
      in.where = s.string("where").value_or("");
      in.repair = s.boolean("repair").value_or(false);
      s.finish();
      sc.inputs.push_back(std::move(in));
      input_names.push_back(name);
    }
  }
  if (sc.inputs.empty())
    top.fail(&root, "has no [inputs.NAME] tables; add at least one input layer");

  auto check_layer_ref = [&](Section& s, const std::string& key, const std::string& value) {
    if (!value.empty() && !sc.find_input(value))
      s.fail(s.get(key),
             key + " = \"" + value + "\" names no input" + did_you_mean(value, input_names));
  };

  if (const toml::table* t = top.table("grid")) {
    Section s(*t, "[grid]", label);
    sc.grid.crs = s.string("crs").value_or(sc.grid.crs);
    if (const auto cell = s.number("cell_size_m")) {
      if (*cell <= 0.0)
        s.fail(s.get("cell_size_m"),
               "cell_size_m must be positive metres, got " + short_number(*cell));
      sc.grid.cell_size_m = *cell;
    }
    sc.grid.extent_from = s.string("extent_from").value_or("");
    check_layer_ref(s, "extent_from", sc.grid.extent_from);
    if (const toml::array* e = s.array("extent")) {
      if (e->size() != 4) s.fail(e, "extent must be [xmin, ymin, xmax, ymax] in the working CRS");
      Extent ex{s.as_number(e->get(0), "extent[0]"), s.as_number(e->get(1), "extent[1]"),
                s.as_number(e->get(2), "extent[2]"), s.as_number(e->get(3), "extent[3]")};
      if (ex.empty()) s.fail(e, "extent must have xmin < xmax and ymin < ymax");
      sc.grid.extent = ex;
    }
    if (sc.grid.extent && s.get("buffer_m"))
      s.fail(s.get("buffer_m"),
             "buffer_m applies to extent_from; widen the explicit extent instead");
    if (sc.grid.extent && !sc.grid.extent_from.empty())
      s.fail(s.get("extent"), "give either extent or extent_from, not both");
    if (const auto b = s.number("buffer_m")) {
      if (*b < 0.0) s.fail(s.get("buffer_m"), "buffer_m must not be negative");
      sc.grid.buffer_m = *b;
    }
    sc.grid.mask = s.string("mask").value_or("");
    check_layer_ref(s, "mask", sc.grid.mask);
    s.finish();
  }
  if (!sc.grid.extent && sc.grid.extent_from.empty())
    top.fail(&root, "[grid] needs extent_from = \"INPUT\" or extent = [xmin, ymin, xmax, ymax]");

  if (const toml::table* t = top.table("limits")) {
    Section s(*t, "[limits]", label);
    if (const auto gb = s.number("max_memory_gb")) {
      if (*gb <= 0.0 || *gb > 1e6)
        s.fail(s.get("max_memory_gb"), "max_memory_gb must lie between 0 and 1000000");
      sc.limits.max_bytes = static_cast<std::int64_t>(*gb * 1024.0 * 1024.0 * 1024.0);
    }
    if (const auto cells = s.number("max_cells")) {
      if (*cells < 1.0 || *cells > 1e18)
        s.fail(s.get("max_cells"), "max_cells must lie between 1 and 1e18");
      sc.limits.max_cells = static_cast<std::int64_t>(*cells);
    }
    s.finish();
  }

  // The criteria tree: the goal, optional pillars (which may nest through parent = "..."), and
  // the criteria, each under its pillar. Nodes are stored parents first.
  ModelNode goal;
  goal.name = "goal";
  goal.title = sc.name;
  if (const toml::table* t = top.table("goal")) {
    Section s(*t, "[goal]", label);
    goal.line = s.line();
    goal.title = s.string("title").value_or(sc.name);
    goal.description = s.string("description").value_or("");
    goal.aggregation = parse_aggregation(s, label);
    goal.weighting = parse_weighting(s, label);
    s.finish();
  }
  sc.model.nodes.push_back(std::move(goal));
  std::vector<std::pair<ModelNode, std::string>> pending;  // pillar and its parent's name
  std::vector<std::string> pillar_names;
  if (const toml::table* t = top.table("pillars")) {
    for (const auto& [name, node_ptr] : in_file_order(*t)) {
      Section holder(*t, "[pillars]", label);
      if (!node_ptr->is_table())
        holder.fail(node_ptr, "entry '" + name + "' must be a table [pillars." + name + "]");
      Section s(*node_ptr->as_table(), "[pillars." + name + "]", label);
      check_name(s, node_ptr, name);
      ModelNode n;
      n.name = name;
      n.line = s.line();
      n.title = s.string("title").value_or(name);
      n.description = s.string("description").value_or("");
      n.aggregation = parse_aggregation(s, label);
      n.weighting = parse_weighting(s, label);
      parse_node_weight(s, n);
      const std::string parent = s.string("parent").value_or("");
      s.finish();
      pillar_names.push_back(name);
      pending.emplace_back(std::move(n), parent);
    }
  }
  std::map<std::string, int> node_index{{"", 0}};
  while (!pending.empty()) {
    bool placed = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const auto parent = node_index.find(it->second);
      if (parent == node_index.end()) {
        ++it;
        continue;
      }
      it->first.parent = parent->second;
      node_index[it->first.name] = static_cast<int>(sc.model.nodes.size());
      sc.model.nodes.push_back(std::move(it->first));
      it = pending.erase(it);
      placed = true;
    }
    if (!placed) {
      const auto& [n, parent] = pending.front();
      const bool known =
          std::find(pillar_names.begin(), pillar_names.end(), parent) != pillar_names.end();
      throw InputError(label + ":" + std::to_string(n.line) + ": [pillars." + n.name +
                       "] parent = \"" + parent + "\" " +
                       (known ? "closes a cycle of pillars; a pillar cannot contain itself"
                              : "names no pillar" + did_you_mean(parent, pillar_names)));
    }
  }
  std::vector<ModelNode> leaves;

  if (const toml::table* t = top.table("criteria")) {
    for (const auto& [name, node_ptr] : in_file_order(*t)) {
      const toml::node& node = *node_ptr;
      Section holder(*t, "[criteria]", label);
      if (!node.is_table())
        holder.fail(&node, "entry '" + name + "' must be a table [criteria." + name + "]");
      Section s(*node.as_table(), "[criteria." + name + "]", label);
      check_name(s, &node, name);
      CriterionSpec c;
      c.name = name;
      c.line = s.line();
      const std::string kind = s.string("kind").value_or("distance");
      if (kind == "distance") {
        c.kind = CriterionKind::distance;
        c.signed_inside = s.boolean("signed").value_or(false);
        if (const auto m = s.number("max_distance_m")) {
          if (*m <= 0.0) s.fail(s.get("max_distance_m"), "max_distance_m must be positive metres");
          c.max_distance_m = *m;
          c.beyond_value = s.number("beyond_value").value_or(*m);
        } else if (s.get("beyond_value")) {
          s.fail(s.get("beyond_value"), "beyond_value needs max_distance_m");
        }
      } else if (kind == "density") {
        c.kind = CriterionKind::density;
        parse_density(s, c.density);
      } else {
        s.fail(s.get("kind"), "kind \"" + kind +
                                  "\" is not available; use \"distance\" or \"density\"" +
                                  did_you_mean(kind, {"distance", "density"}));
      }
      c.layer = s.string("layer").value_or("");
      if (c.layer.empty())
        s.fail(&node, "needs layer = \"INPUT\" (the input the indicator is computed from)");
      check_layer_ref(s, "layer", c.layer);
      ModelNode leaf;
      leaf.name = name;
      leaf.line = c.line;
      leaf.title = s.string("title").value_or(name);
      parse_node_weight(s, leaf);
      const std::string pillar = s.string("pillar").value_or("");
      if (pillar.empty() && !pillar_names.empty())
        s.fail(&node, "needs pillar = \"...\", one of the scenario's [pillars]" +
                          did_you_mean("", pillar_names));
      if (!pillar.empty() && !node_index.count(pillar))
        s.fail(s.get("pillar"), "pillar = \"" + pillar + "\" names no [pillars] table" +
                                    did_you_mean(pillar, pillar_names));
      leaf.parent = node_index.at(pillar);
      leaf.criterion = static_cast<int>(sc.criteria.size());
      const toml::node* value = s.get("value");
      if (!value)
        s.fail(&node,
               "needs value = { function = \"linear\", points = [[x0, score0], [x1, score1]] }");
      c.value = parse_value(s, value, "[criteria." + name + "]", label);
      c.output = s.string("output").value_or(name);
      check_name(s, s.get("output"), c.output);
      c.description = s.string("description").value_or("");
      leaf.description = c.description;
      s.finish();
      sc.criteria.push_back(std::move(c));
      leaves.push_back(std::move(leaf));
    }
  }
  if (sc.criteria.empty())
    top.fail(&root, "has no [criteria.NAME] tables; add at least one criterion");
  for (ModelNode& leaf : leaves) sc.model.nodes.push_back(std::move(leaf));
  for (std::size_t i = 1; i < sc.model.nodes.size(); ++i)
    sc.model.nodes[static_cast<std::size_t>(sc.model.nodes[i].parent)].children.push_back(
        static_cast<int>(i));
  resolve_weights(sc.model, label);
  // Every file a run writes has its own stem: the indicators, the scores and the fixed names.
  {
    std::map<std::string, std::string> stems{{"suitability", "the suitability raster"},
                                             {"explanation", "the per-cell explanation"},
                                             {"exclusions", "the exclusion reasons"},
                                             {"districts", "the district statistics"},
                                             {"manifest", "the manifest"}};
    for (const ModelNode& n : sc.model.nodes) {
      if (n.parent < 0 || n.criterion >= 0) continue;
      const auto [it, inserted] =
          stems.emplace(n.name + "_score", "score of [pillars." + n.name + "]");
      if (!inserted)
        throw InputError(label + ":" + std::to_string(n.line) + ": [pillars." + n.name +
                         "] would write '" + n.name + "_score.tif', which is already " +
                         it->second + "; rename the pillar");
    }
    for (const auto& c : sc.criteria) {
      for (const auto& [stem, what] :
           {std::pair{c.output, "output of [criteria." + c.name + "]"},
            std::pair{c.name + "_score", "score of [criteria." + c.name + "]"}}) {
        const auto [it, inserted] = stems.emplace(stem, what);
        if (!inserted)
          throw InputError(label + ":" + std::to_string(c.line) + ": [criteria." + c.name +
                           "] would write '" + stem + ".tif', which is already " + it->second +
                           (stem == c.output ? "; set output = \"...\" to another name"
                                             : "; rename the criterion"));
      }
    }
  }

  if (const toml::table* t = top.table("constraints")) {
    std::vector<std::string> criterion_names;
    for (const auto& c : sc.criteria) criterion_names.push_back(c.name);
    for (const auto& [name, node_ptr] : in_file_order(*t)) {
      Section holder(*t, "[constraints]", label);
      if (!node_ptr->is_table())
        holder.fail(node_ptr, "entry '" + name + "' must be a table [constraints." + name + "]");
      Section s(*node_ptr->as_table(), "[constraints." + name + "]", label);
      check_name(s, node_ptr, name);
      ConstraintSpec c;
      c.name = name;
      c.line = s.line();
      const std::string kind = s.string("kind").value_or("");
      c.reason = s.string("reason").value_or(name);
      if (kind == "inside" || kind == "within") {
        c.kind = kind == "inside" ? ConstraintKind::inside : ConstraintKind::within;
        c.layer = s.string("layer").value_or("");
        if (c.layer.empty()) s.fail(node_ptr, "needs layer = \"INPUT\"");
        check_layer_ref(s, "layer", c.layer);
        if (c.kind == ConstraintKind::within) {
          const auto d = s.number("distance_m");
          if (!d || !(*d > 0.0))
            s.fail(node_ptr, "kind = \"within\" needs distance_m = METRES (positive)");
          c.distance_m = *d;
        }
        // An attribute condition reads the layer again through that filter, as its own input.
        c.where = s.string("where").value_or("");
        if (!c.where.empty()) {
          InputSpec filtered = *sc.find_input(c.layer);
          filtered.where =
              filtered.where.empty() ? c.where : "(" + filtered.where + ") AND (" + c.where + ")";
          filtered.name = c.layer + "__" + name;
          filtered.line = c.line;
          filtered.origin = "[constraints." + name + "]";
          c.layer = filtered.name;
          sc.inputs.push_back(std::move(filtered));
        }
      } else if (kind == "threshold") {
        c.kind = ConstraintKind::threshold;
        c.criterion = s.string("criterion").value_or("");
        if (std::find(criterion_names.begin(), criterion_names.end(), c.criterion) ==
            criterion_names.end())
          s.fail(s.get("criterion") ? s.get("criterion") : node_ptr,
                 "criterion = \"" + c.criterion + "\" names no [criteria] table" +
                     did_you_mean(c.criterion, criterion_names));
        c.above = s.number("above");
        c.below = s.number("below");
        if (c.above.has_value() == c.below.has_value())
          s.fail(node_ptr, "a threshold rule needs exactly one of above = VALUE or below = VALUE");
      } else {
        s.fail(s.get("kind") ? s.get("kind") : node_ptr,
               "kind = \"" + kind +
                   "\" is unknown; use \"inside\" (polygons of a layer), "
                   "\"within\" (a distance of a layer's features) or \"threshold\" (an indicator)" +
                   (kind.empty() ? std::string()
                                 : did_you_mean(kind, {"inside", "within", "threshold"})));
      }
      s.finish();
      sc.constraints.push_back(std::move(c));
    }
    if (sc.constraints.size() > 250)
      top.fail(t, "has more than 250 constraints; the reason raster holds codes 1..250");
  }

  sc.outputs.folder = "standort-out";
  if (const toml::table* t = top.table("outputs")) {
    Section s(*t, "[outputs]", label);
    if (const auto folder = s.string("folder")) sc.outputs.folder = *folder;
    // One district level or several: districts = "bezirke" or ["bezirke", "stadtbezirke"].
    if (const toml::node* n = s.get("districts")) {
      std::vector<const toml::node*> names;
      if (n->is_array())
        for (const auto& v : *n->as_array()) names.push_back(&v);
      else
        names.push_back(n);
      for (const toml::node* v : names) {
        if (!v->is_string())
          s.fail(v, "districts must be an input name or a list of them, e.g. [\"districts\"]");
        const std::string level = v->as_string()->get();
        check_layer_ref(s, "districts", level);
        if (std::find(sc.outputs.districts.begin(), sc.outputs.districts.end(), level) !=
            sc.outputs.districts.end())
          s.fail(v, "districts lists '" + level + "' twice");
        // Names of the run's own outputs: <level>.geojson/.csv/.qml would replace them.
        for (const std::string& taken :
             {std::string("suitability"), std::string("explanation"), std::string("exclusions"),
              std::string("manifest"), std::string("standort"), std::string("sites"),
              std::string("regions"), std::string("shortlists"), std::string("rejections"),
              std::string("assignment"), std::string("sensitivity_sites"),
              std::string("sensitivity_sweep"), std::string("score_sd"), std::string("report")})
          if (level == taken)
            s.fail(v, "a district level cannot be called '" + level +
                          "': that name is taken by an output; rename the input");
        for (const auto& c : sc.criteria)
          if (level == c.output || level == c.name + "_score")
            s.fail(v, "district level '" + level + "' would share its file name with [criteria." +
                          c.name + "]; rename the input or set the criterion's output");
        sc.outputs.districts.push_back(level);
      }
    }
    if (const auto th = s.number("suitability_threshold")) {
      if (!(*th >= 0.0 && *th <= 1.0))
        s.fail(s.get("suitability_threshold"), "suitability_threshold must lie between 0 and 1");
      sc.outputs.suitability_threshold = *th;
    }
    sc.outputs.population_field = s.string("population_field").value_or("");
    sc.outputs.criterion_scores = s.boolean("criterion_scores").value_or(false);
    if (const toml::array* counts = s.array("counts")) {
      for (const auto& entry : *counts) {
        if (!entry.is_table())
          s.fail(&entry, "counts entries must be tables: [[outputs.counts]] layer = \"INPUT\"");
        Section cs(*entry.as_table(), "[[outputs.counts]]", label);
        CountSpec count;
        count.layer = cs.string("layer").value_or("");
        if (count.layer.empty()) cs.fail(&entry, "needs layer = \"INPUT\" (a point layer)");
        if (!sc.find_input(count.layer))
          cs.fail(cs.get("layer"), "layer = \"" + count.layer + "\" names no input" +
                                       did_you_mean(count.layer, input_names));
        count.sum_field = cs.string("sum_field").value_or("");
        cs.finish();
        sc.outputs.counts.push_back(std::move(count));
      }
    }
    if ((!sc.outputs.counts.empty() || !sc.outputs.population_field.empty()) &&
        sc.outputs.districts.empty())
      s.fail(s.get("counts"), "counts and population_field need districts = \"INPUT\"");
    if (const toml::array* formats = s.array("formats")) {
      sc.outputs.cog = sc.outputs.geojson = sc.outputs.qml = sc.outputs.gpkg = sc.outputs.csv =
          sc.outputs.maps = sc.outputs.report = false;
      for (const auto& f : *formats) {
        const auto v = f.value<std::string>();
        if (!v) s.fail(&f, "formats entries must be strings");
        if (*v == "cog")
          sc.outputs.cog = true;
        else if (*v == "geojson")
          sc.outputs.geojson = true;
        else if (*v == "qml")
          sc.outputs.qml = true;
        else if (*v == "gpkg")
          sc.outputs.gpkg = true;
        else if (*v == "csv")
          sc.outputs.csv = true;
        else if (*v == "maps")
          sc.outputs.maps = true;
        else if (*v == "report")
          sc.outputs.report = true;
        else
          s.fail(&f,
                 "format \"" + *v + "\" is unknown" +
                     did_you_mean(*v, {"cog", "geojson", "gpkg", "csv", "qml", "maps", "report"}));
      }
    }
    if (const auto language = s.string("language")) {
      if (*language != "de" && *language != "en")
        s.fail(s.get("language"),
               "language = \"" + *language + "\" is not available; use \"de\" or \"en\"");
      sc.outputs.language = *language;
    }
    s.finish();
  }
  if (const toml::table* t = top.table("sites")) {
    Section s(*t, "[sites]", label);
    SiteSpec spec;
    spec.layer = s.string("layer").value_or("");
    if (spec.layer.empty()) s.fail(t, "needs layer = \"INPUT\" (a polygon input)");
    if (!sc.find_input(spec.layer))
      s.fail(s.get("layer"), "layer = \"" + spec.layer + "\" names no input" +
                                 did_you_mean(spec.layer, input_names));
    if (const toml::array* d = s.array("distances")) {
      for (const auto& entry : *d) {
        const auto v = entry.value<std::string>();
        if (!v) s.fail(&entry, "distances entries must be input names (strings)");
        if (!sc.find_input(*v))
          s.fail(&entry, "distances names \"" + *v + "\", which is no input" +
                             did_you_mean(*v, input_names));
        if (std::find(spec.distances.begin(), spec.distances.end(), *v) != spec.distances.end())
          s.fail(&entry, "distances names \"" + *v + "\" twice");
        spec.distances.push_back(*v);
      }
    }
    spec.zoning_field = s.string("zoning_field").value_or("");
    if (const auto inv = s.string("investors")) spec.investors = resolve(base_dir, *inv);
    s.finish();
    sc.sites = std::move(spec);
  }
  if (const toml::table* t = top.table("regions")) {
    Section s(*t, "[regions]", label);
    RegionSpec spec;
    RegionOptions& o = spec.options;
    const auto min_area = s.number("min_area_ha");
    if (!min_area) s.fail(t, "needs min_area_ha = NUMBER (the smallest region worth reporting)");
    o.min_area_ha = *min_area;
    o.max_area_ha = s.number("max_area_ha").value_or(0.0);
    o.target_area_ha = s.number("target_area_ha").value_or(0.0);
    o.min_spacing_m = s.number("min_spacing_m").value_or(0.0);
    if (const auto n = s.number("max_regions")) {
      if (!(*n >= 1.0 && *n <= 1000.0 && *n == std::floor(*n)))
        s.fail(s.get("max_regions"), "max_regions must be a whole number from 1 to 1000");
      o.max_regions = static_cast<int>(*n);
    }
    if (const auto c = s.number("connectivity")) {
      if (*c != 4.0 && *c != 8.0)
        s.fail(s.get("connectivity"), "connectivity must be 4 (edges) or 8 (edges and corners)");
      o.eight_connected = *c == 8.0;
    }
    try {
      o.validate("[regions]");
    } catch (const InputError& e) {
      s.fail(t, std::string(e.what()).substr(std::string("[regions]: ").size()));
    }
    // Checked here, not after the run has computed everything: regions are whole cells.
    const double cell_ha = sc.grid.cell_size_m * sc.grid.cell_size_m / 1e4;
    if (o.min_area_ha < cell_ha * (1.0 - 1e-9)) {
      std::ostringstream m;
      m << "min_area_ha = " << o.min_area_ha << " is smaller than one cell (" << cell_ha
        << " ha at " << sc.grid.cell_size_m << " m); give at least " << cell_ha;
      s.fail(s.get("min_area_ha"), m.str());
    }
    s.finish();
    sc.regions = std::move(spec);
  }
  if (const toml::table* t = top.table("sensitivity")) {
    Section s(*t, "[sensitivity]", label);
    SensitivitySpec& spec = sc.sensitivity;
    WeightPerturbation& p = spec.perturbation;
    auto whole = [&](const std::string& key, double lo, double hi) -> std::optional<int> {
      const auto v = s.number(key);
      if (!v) return std::nullopt;
      if (!(*v >= lo && *v <= hi && *v == std::floor(*v))) {
        std::ostringstream m;
        m << key << " must be a whole number from " << lo << " to " << hi;
        s.fail(s.get(key), m.str());
      }
      return static_cast<int>(*v);
    };
    if (const auto runs = whole("runs", 1, 1e6)) p.runs = *runs;
    if (const auto k = whole("top_k", 1, 1e6)) spec.top_k = *k;
    if (const auto c = whole("cell_runs", 0, 1e6)) spec.cell_runs = *c;
    if (const auto seed = whole("seed", 0, 2147483647)) p.seed = static_cast<std::uint64_t>(*seed);
    const std::string kind = s.string("perturbation").value_or("dirichlet");
    if (kind == "dirichlet")
      p.kind = WeightPerturbation::Kind::dirichlet;
    else if (kind == "uniform")
      p.kind = WeightPerturbation::Kind::uniform_percent;
    else
      s.fail(s.get("perturbation"), "perturbation \"" + kind + "\" is unknown" +
                                        did_you_mean(kind, {"dirichlet", "uniform"}));
    p.concentration = s.number("concentration").value_or(p.concentration);
    p.percent = s.number("percent").value_or(p.percent);
    if (const toml::array* d = s.array("deltas")) {
      spec.deltas.clear();
      for (const auto& e : *d) {
        const double delta = s.as_number(&e, "deltas entries");
        if (!(delta >= -1.0))
          s.fail(&e,
                 "deltas are relative weight changes of at least -1 (e.g. -0.2 for 20 % "
                 "less), got " +
                     std::to_string(delta));
        spec.deltas.push_back(delta);
      }
    }
    try {
      p.validate("[sensitivity]");
    } catch (const InputError& e) {
      s.fail(t, std::string(e.what()).substr(std::string("[sensitivity]: ").size()));
    }
    s.finish();
  }
  top.finish();
  if (!sc.allowed_roots.empty()) {
    std::vector<fs::path> roots;
    std::string list;
    for (const fs::path& r : sc.allowed_roots) {
      roots.push_back(real_path(r));
      list += (list.empty() ? "" : ", ") + r.string();
    }
    auto check = [&](const fs::path& path, int line, const std::string& who) {
      if (path.string().rfind("PG:", 0) == 0) return;
      const fs::path real = real_path(path);
      if (std::any_of(roots.begin(), roots.end(),
                      [&](const fs::path& allowed) { return below(real, allowed); }))
        return;
      throw InputError(label + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " +
                       who + " " + path.string() +
                       (real != path ? " (" + real.string() + ")" : std::string()) +
                       " lies outside the scenario's allowed_roots (" + list +
                       "); move the file below one of them, or add its folder to [scenario] "
                       "allowed_roots");
    };
    for (const InputSpec& in : sc.inputs)
      if (in.origin.empty()) check(in.path, in.line, "[inputs." + in.name + "] path");
    if (sc.sites && !sc.sites->investors.empty())
      check(sc.sites->investors, 0, "[sites] investors");
  }
  // District levels write <level>.geojson/.qml/.csv beside the rasters' .tif/.qml, and their
  // tables name columns after the overall score, pillars and criteria: all must stay distinct.
  std::set<std::string> raster_stems{"suitability", "explanation", "exclusions"};
  std::map<std::string, std::string> prefixes{{"suitability", "the overall score"}};
  auto add_prefix = [&](const std::string& prefix, const std::string& who, int line) {
    const auto [it, inserted] = prefixes.emplace(prefix, who);
    if (!inserted)
      throw InputError(label + ":" + std::to_string(line) + ": " + who +
                       " would name district columns '" + prefix + "_*', as " + it->second +
                       " does; rename one of them");
  };
  for (const ModelNode& n : sc.model.nodes) {
    if (n.parent < 0 || n.criterion >= 0) continue;
    raster_stems.insert(n.name + "_score");
    add_prefix(n.name, "[pillars." + n.name + "]", n.line);
  }
  for (const auto& c : sc.criteria) {
    raster_stems.insert(c.output);
    raster_stems.insert(c.name + "_score");
    add_prefix(c.name, "[criteria." + c.name + "]", c.line);
    add_prefix(c.name + "_score", "the score of [criteria." + c.name + "]", c.line);
  }
  for (const std::string& level : sc.outputs.districts)
    if (raster_stems.count(level))
      throw InputError(label + ": [outputs] districts: level '" + level + "' would write '" +
                       level +
                       ".qml', which a raster output writes too; "
                       "rename the input");
  return sc;
}

Scenario load_scenario(const fs::path& file) {
  if (std::filesystem::exists(file) && !std::filesystem::is_regular_file(file))
    throw InputError(file.string() + ": is not a file; give the path of a scenario .toml file");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(file.string() + ": cannot read the scenario file" +
                     (fs::exists(file) ? " (permission denied?)" : " (no such file)"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const fs::path absolute = fs::absolute(file).lexically_normal();
  Scenario sc = parse_scenario(buffer.str(), file.string(), absolute.parent_path());
  sc.file = absolute;
  return sc;
}

}  // namespace standort
