// Process-wide GDAL set-up and the scoped error handler that turns GDAL's messages into
// exceptions with context instead of text printed behind the user's back.
#pragma once

#include <string>
#include <vector>

namespace standort::layers {

/// Registers GDAL drivers once, quiets GDAL's default stderr handler and refuses every HTTP
/// fetch through GDAL (standort reads local files only). Idempotent.
void init_gdal();

/// How a refused fetch starts its GDAL error message; the URL follows.
inline constexpr const char* kRefusedFetch = "standort does not fetch over the network: ";

/// While alive, GDAL errors and warnings on this thread are collected instead of printed.
class GdalErrorTrap {
 public:
  GdalErrorTrap();
  ~GdalErrorTrap();
  GdalErrorTrap(const GdalErrorTrap&) = delete;
  GdalErrorTrap& operator=(const GdalErrorTrap&) = delete;

  /// The last error message (not warnings), or "" when none.
  std::string last_error() const;
  const std::vector<std::string>& warnings() const { return m_warnings; }
  const std::vector<std::string>& errors() const { return m_errors; }

 private:
  friend void trap_message(GdalErrorTrap*, int, const char*);
  std::vector<std::string> m_errors;
  std::vector<std::string> m_warnings;
};

/// GDAL, PROJ and GEOS versions as strings, for --version and the manifest.
struct LibraryVersions {
  std::string gdal, proj, geos;
};
LibraryVersions library_versions();

/// True when `crs` (anything OGRSpatialReference::SetFromUserInput takes) is valid and projected
/// with metre units. Throws InputError with a hint when it is not.
void require_projected_metric_crs(const std::string& crs, const std::string& what);

/// Throws InputError when the projection's scale at the centre of `extent` (in `crs`) differs from
/// 1 by more than `tolerance` (e.g. Web Mercator: distances and areas would be wrong).
void require_true_scale(const std::string& crs, double centre_x, double centre_y, double tolerance,
                        const std::string& what);

}  // namespace standort::layers
