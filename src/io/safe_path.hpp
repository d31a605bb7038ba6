#pragma once
// Safe path handling for names taken from archives: normalisation into a relative path that can
// never leave its root (no "..", no absolute paths, no NUL, no empty components).

#include <string>
#include <string_view>

namespace assay {

/// Normalises an archive member name into a clean relative path of '/'-separated components:
/// strips leading '/', "./" and drive letters, resolves "." and removes ".." without going above
/// the root, replaces NUL and control characters. `escaped` is set when the name tried to leave its
/// root (absolute path or ".." that climbs) — evidence of a zip-slip attempt.
std::string sanitize_member_path(std::string_view name, bool* escaped = nullptr);

/// Makes a single path component safe to create on disk (no '/', not "." or "..", bounded length).
std::string sanitize_component(std::string_view name);

}  // namespace assay
