// The languages of what people read rather than process: report.html and the map pictures, in
// German (the default: Bochum's planners are the users) or English. Labels and numbers only;
// names from the scenario and the data stay as they are written there.
#pragma once

#include <string>
#include <unordered_map>

namespace standort::cli {

class Lang {
 public:
  /// "de" or "en"; InputError otherwise.
  explicit Lang(const std::string& code);
  const std::string& code() const { return m_code; }
  /// The label `en` (its English text is its key) in this language, unescaped.
  const std::string& text(const std::string& en) const;
  /// `v` with `decimals` decimals; German with a decimal comma, whatever the C locale says.
  std::string num(double v, int decimals) const;
  /// "64,4 %" / "64.4 %" (with a no-break space).
  std::string pct(double v, int decimals) const;
  /// "850 m", "1,85 km", "12,3 km".
  std::string metres(double m) const;

 private:
  std::string m_code;
  std::unordered_map<std::string, std::string> m_texts;
};

}  // namespace standort::cli
