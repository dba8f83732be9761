// SHA-256 (FIPS 180-4) of files and strings, for the manifest's input and output fingerprints,
// computed by OpenSSL's libcrypto (which uses the CPU's SHA instructions where present).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace standort::layers {

/// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);
/// Lower-case hex digest of a file's bytes; throws std::runtime_error when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace standort::layers
