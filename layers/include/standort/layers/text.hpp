// Text helpers of the layers: UTF-8 checks for text that comes out of GDAL (standort never passes
// invalid UTF-8 on, neither into outputs nor into messages and JSON), and XML escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace standort::layers {

/// Length of the valid UTF-8 sequence at the start of `s` (1..4), or 0 when it is invalid.
inline std::size_t utf8_sequence_length(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  if (s.empty()) return 0;
  if (p[0] < 0x80) return 1;
  std::size_t extra = 0;
  std::uint32_t cp = 0;
  if ((p[0] & 0xE0) == 0xC0) {
    extra = 1;
    cp = p[0] & 0x1F;
  } else if ((p[0] & 0xF0) == 0xE0) {
    extra = 2;
    cp = p[0] & 0x0F;
  } else if ((p[0] & 0xF8) == 0xF0) {
    extra = 3;
    cp = p[0] & 0x07;
  } else {
    return 0;
  }
  if (s.size() <= extra) return 0;
  for (std::size_t i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  const bool overlong =
      (extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return extra + 1;
}

inline bool valid_utf8(std::string_view s) {
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

/// `s` with every invalid byte replaced by U+FFFD, for display.
inline std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

/// `s` with &, <, > and " escaped, for XML text and attribute values (QML styles, QGIS projects).
inline std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace standort::layers
