#pragma once
// Identification from content: which Kind a byte string is. Decided by signatures and cheap
// structural checks, never by the name alone (the name only breaks ties between text kinds).

#include <string_view>

#include "assay/kind.hpp"
#include "core/bytes.hpp"

namespace assay {

/// The kind of `data`. `name` is the member's file name, used only as a tie-breaker for text.
Kind identify(ByteView data, std::string_view name = {});

/// True when the bytes look like text (UTF-8 or ASCII, no NUL, few control characters) in the
/// first `sample` bytes.
bool looks_like_text(ByteView data, std::size_t sample = 4096);

}  // namespace assay
