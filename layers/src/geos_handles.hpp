// RAII owners for GEOS handles used inside the layers library: a context and the geometries made
// in it are released by these classes only.
#pragma once

#include <geos_c.h>
#include <ogr_geometry.h>

#include <stdexcept>

namespace standort::layers {

/// A GEOS context. `Messages::to_gdal` makes it the way OGR does, so GEOS's notices and errors
/// become CPLErrors that a GdalErrorTrap catches (the reader quotes them); `Messages::none`
/// installs no handler, so GEOS reports nothing.
class GeosContext {
 public:
  enum class Messages { to_gdal, none };
  explicit GeosContext(Messages messages) : m_messages(messages) {
    m_ctx = messages == Messages::to_gdal ? OGRGeometry::createGEOSContext() : GEOS_init_r();
    if (!m_ctx) throw std::runtime_error("GEOS could not be initialised");
  }
  ~GeosContext() {
    if (m_messages == Messages::to_gdal)
      OGRGeometry::freeGEOSContext(m_ctx);
    else
      GEOS_finish_r(m_ctx);
  }
  GeosContext(const GeosContext&) = delete;
  GeosContext& operator=(const GeosContext&) = delete;
  GEOSContextHandle_t get() const { return m_ctx; }

 private:
  Messages m_messages;
  GEOSContextHandle_t m_ctx = nullptr;
};

/// Owner of one GEOS geometry of a context (may be null: GEOS's functions return null on error).
class GeosGeometry {
 public:
  GeosGeometry(GEOSContextHandle_t ctx, GEOSGeometry* g) : m_ctx(ctx), m_g(g) {}
  ~GeosGeometry() {
    if (m_g) GEOSGeom_destroy_r(m_ctx, m_g);
  }
  GeosGeometry(GeosGeometry&& other) noexcept : m_ctx(other.m_ctx), m_g(other.m_g) {
    other.m_g = nullptr;
  }
  GeosGeometry(const GeosGeometry&) = delete;
  GeosGeometry& operator=(const GeosGeometry&) = delete;
  GeosGeometry& operator=(GeosGeometry&&) = delete;
  const GEOSGeometry* get() const { return m_g; }
  explicit operator bool() const { return m_g != nullptr; }

 private:
  GEOSContextHandle_t m_ctx;
  GEOSGeometry* m_g;
};

}  // namespace standort::layers
