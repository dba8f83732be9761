#include "standort/layers/gdal_env.hpp"

#include "gdal_handles.hpp"

#include "standort/engine/error.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <gdal.h>
#include <geos_c.h>
#include <ogr_spatialref.h>
#include <proj.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace standort::layers {

void trap_message(GdalErrorTrap* trap, int cls, const char* message) {
  std::string text = message ? message : "";
  if (cls >= CE_Failure)
    trap->m_errors.push_back(std::move(text));
  else if (cls == CE_Warning)
    trap->m_warnings.push_back(std::move(text));
}

namespace {

void CPL_STDCALL trap_handler(CPLErr cls, CPLErrorNum, const char* message) {
  auto* trap = static_cast<GdalErrorTrap*>(CPLGetErrorHandlerUserData());
  if (trap) trap_message(trap, static_cast<int>(cls), message);
}

void CPL_STDCALL quiet_handler(CPLErr, CPLErrorNum, const char*) {}

// Every input standort reads is a local file or a PostgreSQL connection; none needs HTTP. A
// GeoJSON file whose old-style "crs" member is a link would otherwise make GDAL fetch the URL
// (and wait up to its timeout), so a run's result could depend on a web server. Every fetch
// through GDAL's HTTP layer is refused here, at once, with a message the readers can pass on.
CPLHTTPResult* refuse_http(const char* url, CSLConstList, GDALProgressFunc, void*,
                           CPLHTTPFetchWriteFunc, void*, void*) {
  CPLError(CE_Failure, CPLE_AppDefined, "%s%s", kRefusedFetch, url ? url : "");
  auto* result = static_cast<CPLHTTPResult*>(CPLCalloc(1, sizeof(CPLHTTPResult)));
  result->nStatus = 1;
  result->pszErrBuf = CPLStrdup("standort does not access the network");
  return result;
}

}  // namespace

void init_gdal() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    CPLSetErrorHandler(quiet_handler);
    CPLHTTPSetFetchCallback(refuse_http, nullptr);
    // standort hands GDAL whole rasters that are already in memory; a large block cache would only
    // hold a second copy of them while they are written. The user's GDAL_CACHEMAX still wins.
    if (!CPLGetConfigOption("GDAL_CACHEMAX", nullptr)) GDALSetCacheMax64(std::int64_t{64} << 20);
    // Deterministic GeoPackage files: no wall-clock timestamps.
    CPLSetConfigOption("OGR_CURRENT_DATE", "2000-01-01T00:00:00.000Z");
  });
}

GdalErrorTrap::GdalErrorTrap() { CPLPushErrorHandlerEx(trap_handler, this); }
GdalErrorTrap::~GdalErrorTrap() { CPLPopErrorHandler(); }

std::string GdalErrorTrap::last_error() const {
  return m_errors.empty() ? std::string() : m_errors.back();
}

LibraryVersions library_versions() {
  LibraryVersions v;
  v.gdal = GDALVersionInfo("RELEASE_NAME");
  v.proj = proj_info().version;
  v.geos = GEOSversion();
  return v;
}

bool parse_crs(const std::string& crs, OGRSpatialReference& out) {
  static std::mutex mutex;
  // Never destroyed: the parsed references must not outlive PROJ's own teardown at exit.
  static auto* cache = new std::map<std::string, std::unique_ptr<OGRSpatialReference>>();
  std::lock_guard lock(mutex);
  auto it = cache->find(crs);
  if (it == cache->end()) {
    auto srs = std::make_unique<OGRSpatialReference>();
    if (srs->SetFromUserInput(crs.c_str()) != OGRERR_NONE) return false;
    it = cache->emplace(crs, std::move(srs)).first;
  }
  out = *it->second;
  return true;
}

void require_projected_metric_crs(const std::string& crs, const std::string& what) {
  OGRSpatialReference srs;
  GdalErrorTrap trap;
  if (!parse_crs(crs, srs))
    throw InputError(what + ": '" + crs +
                     "' is not a CRS that PROJ knows; use e.g. \"EPSG:25832\"");
  if (!srs.IsProjected())
    throw InputError(what + ": '" + crs +
                     "' is a geographic CRS (degrees); distances and densities need a projected "
                     "CRS in metres, e.g. \"EPSG:25832\" (ETRS89 / UTM 32N) for Bochum");
  const double to_metre = srs.GetLinearUnits();
  if (to_metre != 1.0)
    throw InputError(what + ": '" + crs + "' measures in units of " + std::to_string(to_metre) +
                     " m; use a CRS in metres, e.g. \"EPSG:25832\"");
}

void require_true_scale(const std::string& crs, double centre_x, double centre_y, double tolerance,
                        const std::string& what) {
  OGRSpatialReference srs;
  GdalErrorTrap trap;
  if (!parse_crs(crs, srs)) return;  // reported elsewhere
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  // The projection as a PROJ string: no database lookup and no search for transformations, so
  // the check costs about 3 ms instead of about 10.
  char* proj4 = nullptr;
  const bool have_proj4 = srs.exportToProj4(&proj4) == OGRERR_NONE && proj4;
  const std::string definition = have_proj4 ? proj4 : "";
  CPLFree(proj4);
  if (definition.empty()) return;  // not expressible as a projection: nothing to check
  std::unique_ptr<PJ_CONTEXT, void (*)(PJ_CONTEXT*)> ctx(
      proj_context_create(), [](PJ_CONTEXT* c) { proj_context_destroy(c); });
  std::unique_ptr<PJ, void (*)(PJ*)> pj(proj_create(ctx.get(), definition.c_str()),
                                        [](PJ* p) { proj_destroy(p); });
  if (!pj) return;
  const PJ_COORD centre = proj_trans(pj.get(), PJ_INV, proj_coord(centre_x, centre_y, 0, 0));
  if (proj_context_errno(ctx.get()) != 0 || !std::isfinite(centre.lp.lam)) return;
  const double lon = proj_todeg(centre.lp.lam), lat = proj_todeg(centre.lp.phi);
  const PJ_FACTORS f = proj_factors(pj.get(), centre);
  if (proj_context_errno(ctx.get()) != 0) return;
  const double worst =
      std::max(std::fabs(f.meridional_scale - 1.0), std::fabs(f.parallel_scale - 1.0));
  if (worst > tolerance) {
    std::ostringstream s;
    s.precision(4);
    s << what << ": " << crs << " stretches distances by a factor of "
      << std::max(f.meridional_scale, f.parallel_scale) << " at the study area (lon " << lon
      << ", lat " << lat << "), so distances, densities and areas would be wrong; "
      << "use a conformal projection with true scale there, e.g. \"EPSG:25832\" (ETRS89 / UTM 32N) "
         "for Bochum";
    throw InputError(s.str());
  }
}

}  // namespace standort::layers
