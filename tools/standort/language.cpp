#include "language.hpp"

#include "standort/engine/error.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace standort::cli {
namespace {

struct Text {
  const char* en;
  const char* de;
};

// Every label of the report and the maps in both languages; the English text is the key.
const Text k_texts[] = {
    {"Report", "Bericht"},
    {"At a glance", "Auf einen Blick"},
    {"The model", "Das Modell"},
    {"Maps", "Karten"},
    {"Districts", "Bezirke"},
    {"Sites", "Flächen"},
    {"Regions", "Gebiete"},
    {"Investors", "Investoren"},
    {"Sensitivity", "Sensitivität"},
    {"Warnings", "Warnungen"},
    {"Provenance", "Herkunft"},
    {"cells of", "Zellen zu"},
    {"Best district", "Bester Bezirk"},
    {"Best site", "Beste Fläche"},
    {"Area with a score of at least", "Fläche mit einer Eignung von mindestens"},
    {"Excluded area", "Ausgeschlossene Fläche"},
    {"Investors placed", "Platzierte Investoren"},
    {"mean score", "mittlere Eignung"},
    {"of the analysed area", "der untersuchten Fläche"},
    {"in the joint assignment", "in der gemeinsamen Zuordnung"},
    {"The criteria tree: each node's weight among its siblings, its share of the overall score "
     "(global weight) and how it combines its children or turns its indicator into a 0–1 score.",
     "Der Kriterienbaum: das Gewicht jedes Knotens unter seinen Geschwistern, sein Anteil an der "
     "Gesamteignung (globales Gewicht) und wie er seine Kinder verknüpft bzw. seinen Indikator in "
     "eine Bewertung von 0 bis 1 umrechnet."},
    {"Node", "Knoten"},
    {"Weight", "Gewicht"},
    {"Global weight", "Globales Gewicht"},
    {"Aggregation or value function", "Verknüpfung bzw. Wertfunktion"},
    {"Weighting", "Gewichtung"},
    {"consistent", "konsistent"},
    {"inconsistency accepted", "Inkonsistenz akzeptiert"},
    {"stakeholders", "Beteiligte"},
    {"disagreement", "Uneinigkeit"},
    {"Exclusions", "Ausschlüsse"},
    {"Excluded cells score 0 whatever their criteria say.",
     "Ausgeschlossene Zellen erhalten die Eignung 0, unabhängig von ihren Kriterien."},
    {"Code", "Code"},
    {"Reason", "Grund"},
    {"Rule", "Regel"},
    {"where", "wo"},
    {"The same maps are in the run folder as PNG and SVG.",
     "Dieselben Karten liegen im Ausgabeordner als PNG und SVG."},
    {"Coverage-weighted statistics per district: every cell counts with the share of its area "
     "inside the district. Click a column heading to sort.",
     "Flächengewichtete Statistik je Bezirk: jede Zelle zählt mit dem Anteil ihrer Fläche im "
     "Bezirk. Ein Klick auf eine Spaltenüberschrift sortiert."},
    {"Rank", "Rang"},
    {"Name", "Name"},
    {"Area km²", "Fläche km²"},
    {"Area ha", "Fläche ha"},
    {"Suitability", "Eignung"},
    {"Share ≥", "Anteil ≥"},
    {"Excluded", "Ausgeschlossen"},
    {"Zoning", "Nutzung"},
    {"District", "Bezirk"},
    {"Why", "Begründung"},
    {"strongest on", "am stärksten bei"},
    {"excluded", "ausgeschlossen"},
    {"Candidate sites ranked by their mean score (coverage-weighted over the site).",
     "Potenzialflächen, nach ihrer mittleren Eignung (flächengewichtet über die Fläche) gereiht."},
    {"Showing the best", "Gezeigt werden die besten"},
    {"of", "von"},
    {"Contiguous regions of high suitability found on the surface, best first.",
     "Zusammenhängende Gebiete hoher Eignung, die auf der Eignungsfläche gefunden wurden, die "
     "besten zuerst."},
    {"Mean score", "Mittlere Eignung"},
    {"Each investor's shortlist: the sites that meet every hard requirement, by fit.",
     "Die Auswahlliste jedes Investors: die Flächen, die alle harten Anforderungen erfüllen, nach "
     "Passung."},
    {"Fit", "Passung"},
    {"sites rejected", "Flächen abgelehnt"},
    {"most often because of", "meist wegen"},
    {"the area", "der Fläche"},
    {"a distance", "einer Entfernung"},
    {"the district", "des Bezirks"},
    {"the zoning", "der Nutzung"},
    {"the excluded share", "des ausgeschlossenen Anteils"},
    {"missing data", "fehlender Daten"},
    {"Total", "Summe"},
    {"placed", "platziert"},
    {"none left that fits", "keine passende Fläche mehr frei"},
    {"direct", "direkt"},
    {"rank_sum", "Rangsumme"},
    {"rank_reciprocal", "reziproke Ränge"},
    {"rank_order_centroid", "Rangordnungs-Schwerpunkt"},
    {"ahp", "AHP"},
    {"group_ahp", "Gruppen-AHP"},
    {"This run wrote no CSV tables (formats without csv), so the report has no tables of "
     "districts, sites or the sensitivity.",
     "Dieser Lauf hat keine CSV-Tabellen geschrieben (formats ohne csv); der Bericht enthält "
     "daher keine Tabellen zu Bezirken, Flächen und Sensitivität."},
    {"Assignment", "Zuordnung"},
    {"When investors compete for sites, each gets a different one. The joint assignment places "
     "as many investors as possible with the largest total fit; first come, first served takes "
     "them in the profiles' order.",
     "Konkurrieren Investoren um Flächen, erhält jeder eine andere. Die gemeinsame Zuordnung "
     "platziert möglichst viele Investoren mit der größten Gesamtpassung; „wer zuerst kommt“ "
     "nimmt sie in der Reihenfolge der Profile."},
    {"Investor", "Investor"},
    {"Joint assignment", "Gemeinsame Zuordnung"},
    {"First come, first served", "Wer zuerst kommt"},
    {"How stable is the ranking when the weights vary?",
     "Wie stabil ist die Reihenfolge, wenn die Gewichte schwanken?"},
    {"runs", "Durchläufe"},
    {"perturbation", "Störung"},
    {"seed", "Startwert"},
    {"Probability of the top", "Wahrscheinlichkeit unter den besten"},
    {"Rank interval (5–95 %)", "Rangintervall (5–95 %)"},
    {"Score sd", "Standardabw. der Eignung"},
    {"Base rank", "Basisrang"},
    {"The bar shows how often a site ranks among the best; the line spans the ranks of 90 % of "
     "the runs, the dot is the median rank and the diamond the rank with the scenario's weights.",
     "Der Balken zeigt, wie oft eine Fläche unter den besten landet; die Linie umfasst die Ränge "
     "von 90 % der Durchläufe, der Punkt ist der Median, die Raute der Rang mit den Gewichten "
     "des Szenarios."},
    {"One weight at a time", "Ein Gewicht nach dem anderen"},
    {"Weight of", "Gewicht von"},
    {"Change", "Änderung"},
    {"New weight", "Neues Gewicht"},
    {"Sites that move", "Flächen, die sich bewegen"},
    {"Largest move", "Größte Bewegung"},
    {"ranks", "Ränge"},
    {"No warnings.", "Keine Warnungen."},
    {"What the run read and wrote, with fingerprints (SHA-256) to check the files by.",
     "Was der Lauf gelesen und geschrieben hat, mit Fingerabdrücken (SHA-256) zum Prüfen der "
     "Dateien."},
    {"Scenario", "Szenario"},
    {"Grid", "Raster"},
    {"Libraries", "Bibliotheken"},
    {"Inputs", "Eingaben"},
    {"Input", "Eingabe"},
    {"File", "Datei"},
    {"Layer", "Layer"},
    {"Features", "Objekte"},
    {"Repaired", "Repariert"},
    {"Outputs", "Ausgaben"},
    {"Kind", "Art"},
    {"Made with standort", "Erstellt mit standort"},
    {"The run wrote no district table (formats without csv).",
     "Der Lauf hat keine Bezirkstabelle geschrieben (formats ohne csv)."},
    {"none", "keine"},
    {"cells", "Zellen"},
    {"Overall suitability", "Eignung gesamt"},
    {"pillar", "Säule"},
    {"Sites (rank)", "Flächen (Rang)"},
    {"Mean suitability per district", "Mittlere Eignung je Bezirk"},
    {"Mean suitability", "Mittlere Eignung"},
};

}  // namespace

Lang::Lang(const std::string& code) : m_code(code) {
  if (code != "de" && code != "en")
    throw InputError("language '" + code + "' is not available; use de or en");
  for (const Text& t : k_texts) m_texts.emplace(t.en, code == "de" ? t.de : t.en);
}

const std::string& Lang::text(const std::string& en) const {
  const auto it = m_texts.find(en);
  // Every label the code asks for is in the table; a missing one is a programming error.
  if (it == m_texts.end()) throw std::logic_error("label without a translation: " + en);
  return it->second;
}

std::string Lang::num(double v, int decimals) const {
  if (!std::isfinite(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s(buf);
  // "-0.00" reads oddly in a table.
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  if (m_code == "de")
    for (char& c : s)
      if (c == '.') c = ',';
  return s;
}

std::string Lang::pct(double v, int decimals) const { return num(v, decimals) + "\u00a0%"; }

std::string Lang::metres(double m) const {
  return m >= 1000.0 ? num(m / 1000.0, m >= 10000.0 ? 1 : 2) + "\u00a0km" : num(m, 0) + "\u00a0m";
}

}  // namespace standort::cli
