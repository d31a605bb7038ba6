// Archives through libarchive: the zip family (APK, IPA, JAR ...), tar, cpio, ar/deb, rpm, 7z
// and ISO 9660. libarchive reads from the mapped bytes (archive_read_open_memory, no copy);
// each regular member is decompressed through the sink's ContentWriter in 64 KiB reads, so the
// budget stops a bomb member.
//
// Zip needs care: most input is APKs, and libarchive's streaming zip reader trusts local
// headers, which APK tooling bends (data descriptors, zipflinger's virtual entries, alignment
// padding in extra fields). The seekable reader walks the central directory like unzip and
// Android's installer do, so it is used first; the streaming reader is the fallback for a zip
// without a usable directory (truncated download). Our own central-directory reader supplies
// each member's compressed size for the ratio limit.
//
// The carving probes of the archive formats (zip, 7z, tar, cpio) are beside it, hand-written.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/checked.hpp"
#include "core/reader.hpp"
#include "formats/zip/zip_classify.hpp"
#include "unpack/unpackers.hpp"

#include <zlib.h>

namespace assay::unpack {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
// libarchive may report a member it cannot read and then the next one fails at the same spot;
// after this many failures in a row the rest of the archive is given up.
constexpr int kMaxConsecutiveFailures = 64;
// ARCHIVE_RETRY is "try again"; a broken reader must not make that a loop.
constexpr int kMaxRetries = 8;

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

enum class ZipMode { kSeekable, kStreamable };

ArchivePtr open_archive(const UnpackInput& in, ZipMode zip_mode) {
  ArchivePtr a(archive_read_new());
  if (!a) return a;
  archive* ar = a.get();
  switch (in.kind) {
    case Kind::kTar:
      archive_read_support_format_tar(ar);
      archive_read_support_format_gnutar(ar);
      archive_read_support_filter_all(ar);  // compressed tar given directly
      break;
    case Kind::kCpio:
      archive_read_support_format_cpio(ar);
      archive_read_support_filter_all(ar);
      break;
    case Kind::kAr:
    case Kind::kDeb:
      archive_read_support_format_ar(ar);
      break;
    case Kind::kRpm:
      // An rpm is a header (libarchive's "rpm" filter strips it) over a compressed cpio.
      archive_read_support_format_cpio(ar);
      archive_read_support_filter_all(ar);
      break;
    case Kind::kSevenZip:
      archive_read_support_format_7zip(ar);
      break;
    case Kind::kIso9660:
      archive_read_support_format_iso9660(ar);
      break;
    default:
      if (zip_mode == ZipMode::kSeekable)
        archive_read_support_format_zip_seekable(ar);
      else
        archive_read_support_format_zip_streamable(ar);
      break;
  }
  if (archive_read_open_memory(ar, in.bytes.data(), in.bytes.size()) != ARCHIVE_OK) return {};
  return a;
}

std::string error_text(archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? std::string(s) : std::string("unknown libarchive error");
}

std::string entry_path(archive_entry* e, std::size_t index) {
  // The UTF-8 form first: it is what zip tools print; the locale form holds raw bytes that
  // are not UTF-8 (old zips, cpio from other systems).
  if (const char* p = archive_entry_pathname_utf8(e)) return p;
  if (const char* p = archive_entry_pathname(e)) return p;
  return "unnamed-member-" + std::to_string(index);
}

std::string link_text(const char* utf8, const char* mbs) {
  if (utf8 != nullptr) return utf8;
  if (mbs != nullptr) return mbs;
  return {};
}

enum class Next { kContinue, kStop };

class ArchiveUnpacker final : public Unpacker {
 public:
  std::string_view id() const override { return "libarchive"; }
  bool can_open(Kind kind) const override {
    switch (kind) {
      case Kind::kTar: case Kind::kCpio: case Kind::kAr: case Kind::kDeb: case Kind::kRpm:
      case Kind::kSevenZip: case Kind::kIso9660:
        return true;
      default:
        return is_zip_family(kind);
    }
  }

  Status open(const UnpackInput& in, Sink& sink) const override {
    bool zip = is_zip_family(in.kind);
    std::unordered_map<std::string, std::uint64_t> packed;  // zip member -> compressed size
    bool have_directory = false;
    if (zip) {
      if (auto eocd = zip::find_eocd(in.bytes)) {
        have_directory = true;
        for (auto& ce : zip::read_central_directory(in.bytes, *eocd))
          packed.emplace(std::move(ce.name), ce.compressed_size);
      }
    }
    std::size_t members = 0;
    Status st = read_all(in, sink, zip && have_directory ? ZipMode::kSeekable : ZipMode::kStreamable,
                         packed, members);
    if (zip && have_directory && members == 0 && !st.ok() && st.error().code != Errc::kCancelled) {
      sink.diagnose(DiagLevel::kWarning,
                    "zip central directory unreadable (" + st.error().message +
                        "); reading local headers instead");
      st = read_all(in, sink, ZipMode::kStreamable, packed, members);
    }
    return st;
  }

 private:
  Status read_all(const UnpackInput& in, Sink& sink, ZipMode mode,
                  const std::unordered_map<std::string, std::uint64_t>& packed,
                  std::size_t& members) const {
    ArchivePtr a = open_archive(in, mode);
    if (!a) return make_error(Errc::kMalformed, std::string(kind_name(in.kind)) +
                                                    ": libarchive cannot open it");
    std::vector<std::uint8_t> buf(kChunk);
    int failures = 0;
    int retries = 0;
    for (std::size_t index = 0;; ++index) {
      if (sink.cancelled()) return make_error(Errc::kCancelled, "scan cancelled");
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_RETRY && ++retries < kMaxRetries) continue;
      if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
        if (members == 0)
          return make_error(Errc::kMalformed, std::string(kind_name(in.kind)) + ": " +
                                                  error_text(a.get()));
        sink.diagnose(DiagLevel::kError, "archive unreadable after member " +
                                             std::to_string(members) + ": " + error_text(a.get()));
        break;
      }
      retries = 0;
      if (r == ARCHIVE_FAILED) {
        sink.diagnose(DiagLevel::kWarning, "unreadable member header #" + std::to_string(index) +
                                               ": " + error_text(a.get()));
        if (++failures >= kMaxConsecutiveFailures) {
          sink.diagnose(DiagLevel::kError, "too many unreadable members in a row; giving up");
          break;
        }
        continue;
      }
      failures = 0;
      std::string path = entry_path(e, index);
      if (r == ARCHIVE_WARN)
        sink.diagnose(DiagLevel::kWarning, path + ": " + error_text(a.get()));
      ++members;
      if (entry(in, sink, a.get(), e, std::move(path), packed, buf) == Next::kStop) break;
    }
    return {};
  }

  Next entry(const UnpackInput& in, Sink& sink, archive* a, archive_entry* e, std::string path,
             const std::unordered_map<std::string, std::uint64_t>& packed,
             std::vector<std::uint8_t>& buf) const {
    EntryMeta meta;
    meta.mode = static_cast<std::uint32_t>(archive_entry_mode(e)) & 07777u;
    meta.uid = static_cast<std::uint32_t>(archive_entry_uid(e));
    meta.gid = static_cast<std::uint32_t>(archive_entry_gid(e));
    meta.mtime = archive_entry_mtime_is_set(e) ? archive_entry_mtime(e) : 0;
    if (archive_entry_is_encrypted(e)) {
      sink.diagnose(DiagLevel::kWarning, path + ": encrypted member skipped");
      return Next::kContinue;
    }
    const char* hardlink = archive_entry_hardlink(e);
    if (hardlink != nullptr) {
      meta.type = EntryType::kHardlink;
      meta.link_target = link_text(archive_entry_hardlink_utf8(e), hardlink);
      meta.path = std::move(path);
      return sink.add(std::move(meta)) ? Next::kContinue : Next::kStop;
    }
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: break;
      case AE_IFDIR: meta.type = EntryType::kDirectory; break;
      case AE_IFLNK:
        meta.type = EntryType::kSymlink;
        meta.link_target = link_text(archive_entry_symlink_utf8(e), archive_entry_symlink(e));
        break;
      case AE_IFCHR: meta.type = EntryType::kCharDevice; break;
      case AE_IFBLK: meta.type = EntryType::kBlockDevice; break;
      case AE_IFIFO: meta.type = EntryType::kFifo; break;
      case AE_IFSOCK: meta.type = EntryType::kSocket; break;
      default: break;  // no type bits (some zips): a file
    }
    if (meta.type == EntryType::kCharDevice || meta.type == EntryType::kBlockDevice) {
      meta.dev_major = static_cast<std::uint32_t>(archive_entry_rdevmajor(e));
      meta.dev_minor = static_cast<std::uint32_t>(archive_entry_rdevminor(e));
    }
    meta.path = std::move(path);
    if (meta.type != EntryType::kFile) return sink.add(std::move(meta)) ? Next::kContinue : Next::kStop;

    std::uint64_t input_bytes = in.bytes.size();
    if (auto it = packed.find(meta.path); it != packed.end() && it->second > 0)
      input_bytes = it->second;
    ContentWriter writer = sink.writer(input_bytes);
    Next next = Next::kContinue;
    int retries = 0;
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
      if (n == 0) break;
      if (n == ARCHIVE_RETRY && ++retries < kMaxRetries) continue;
      if (n < 0) {
        DiagLevel level = n == ARCHIVE_WARN ? DiagLevel::kWarning : DiagLevel::kError;
        sink.diagnose(level, meta.path + ": corrupt member data (" + error_text(a) + "); kept " +
                                 std::to_string(writer.size()) + " bytes");
        if (n == ARCHIVE_FATAL) next = Next::kStop;
        break;
      }
      if (sink.cancelled()) return Next::kStop;
      if (auto s = writer.write(ByteView(buf.data(), static_cast<std::size_t>(n))); !s) {
        sink.diagnose(DiagLevel::kWarning, meta.path + ": " + s.error().message);
        // The scan-wide byte limit ends the archive; a per-file limit only this member.
        if (s.error().message.rfind("max_total_bytes", 0) == 0 || s.error().code != Errc::kLimit)
          next = Next::kStop;
        break;
      }
    }
    auto content = writer.finish();
    if (!content) {
      sink.diagnose(DiagLevel::kError, meta.path + ": " + content.error().message);
      return Next::kStop;
    }
    if (!sink.add_content(std::move(meta), std::move(content).value())) return Next::kStop;
    return next;
  }
};

// ---- probes ----

bool all_zero(ByteView v) {
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b == 0; });
}

// Octal (optionally space/NUL padded) or GNU base-256 number of a tar header field.
std::optional<std::uint64_t> tar_number(ByteView f) {
  if (f.empty()) return std::nullopt;
  if ((f[0] & 0x80) != 0) {
    std::uint64_t v = 0;
    for (std::size_t i = 1; i < f.size(); ++i) {
      if (v >> 56 != 0) return std::nullopt;
      v = (v << 8) | f[i];
    }
    return v;
  }
  std::size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  std::uint64_t v = 0;
  bool digits = false;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (v >> 60 != 0) return std::nullopt;
    v = v * 8 + (f[i] - '0');
    digits = true;
  }
  if (i < f.size() && f[i] != 0 && f[i] != ' ') return std::nullopt;
  if (!digits) return std::nullopt;
  return v;
}

bool tar_checksum_ok(ByteView h) {
  auto stored = tar_number(h.subspan(148, 8));
  if (!stored) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  return sum == *stored;
}

std::optional<std::uint64_t> parse_hex(ByteView f) {
  std::uint64_t v = 0;
  for (std::uint8_t c : f) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return v;
}

std::optional<std::uint64_t> parse_octal_exact(ByteView f) {
  std::uint64_t v = 0;
  for (std::uint8_t c : f) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

struct CpioHeader {
  std::uint64_t name_off, name_size, data_off, data_size, next;
};

// One cpio header at `pos` (newc/crc, odc, or binary in either byte order); nullopt if invalid.
std::optional<CpioHeader> cpio_header(ByteView d, std::uint64_t pos) {
  constexpr std::uint64_t kMaxName = 4096;  // PATH_MAX: longer is not a cpio some tool wrote
  CpioHeader h{};
  std::uint64_t align = 1;
  if (has_magic(d, pos, "070701") || has_magic(d, pos, "070702")) {
    auto fsize = parse_hex(slice(d, pos + 54, 8));
    auto nsize = parse_hex(slice(d, pos + 94, 8));
    if (!fits(pos, 110, d.size()) || !fsize || !nsize) return std::nullopt;
    h = {pos + 110, *nsize, 0, *fsize, 0};
    align = 4;
  } else if (has_magic(d, pos, "070707")) {
    auto nsize = parse_octal_exact(slice(d, pos + 59, 6));
    auto fsize = parse_octal_exact(slice(d, pos + 65, 11));
    if (!fits(pos, 76, d.size()) || !fsize || !nsize) return std::nullopt;
    h = {pos + 76, *nsize, 0, *fsize, 0};
  } else {
    auto magic = load_le<std::uint16_t>(d, pos);
    if (!magic || !fits(pos, 26, d.size())) return std::nullopt;
    Endian en;
    if (*magic == 0x71c7) en = Endian::kLittle;
    else if (*magic == 0xc771) en = Endian::kBig;
    else return std::nullopt;
    std::uint16_t mode = *load<std::uint16_t>(d, pos + 6, en);
    std::uint16_t nsize = *load<std::uint16_t>(d, pos + 20, en);
    std::uint32_t fsize = (std::uint32_t{*load<std::uint16_t>(d, pos + 22, en)} << 16) |
                          *load<std::uint16_t>(d, pos + 24, en);
    // The trailer has mode 0; every other member one of the POSIX file types.
    if ((mode & kIfMt) != 0 && !is_posix_file_type(mode)) return std::nullopt;
    h = {pos + 26, nsize, 0, fsize, 0};
    align = 2;
  }
  if (h.name_size < 2 || h.name_size > kMaxName) return std::nullopt;  // a name and its NUL
  if (!fits(h.name_off, h.name_size, d.size())) return std::nullopt;
  ByteView name = slice(d, h.name_off, h.name_size);
  if (name.back() != 0 || std::memchr(name.data(), 0, name.size() - 1) != nullptr)
    return std::nullopt;
  auto data_off = align_up(h.name_off + h.name_size - pos, align);
  if (!data_off) return std::nullopt;
  h.data_off = pos + *data_off;
  auto end = checked_add(*data_off, h.data_size);
  if (!end) return std::nullopt;
  auto next = align_up(*end, align);
  if (!next || !checked_add(pos, *next)) return std::nullopt;
  h.next = pos + *next;
  return h;
}

// Zero padding after an archive's end up to a `block` boundary (tar records, cpio blocks).
std::uint64_t include_padding(ByteView d, std::uint64_t end, std::uint64_t block) {
  // Not align_up: tar's record (10240) is not a power of two.
  std::uint64_t rem = end % block;
  auto boundary = checked_add<std::uint64_t>(end, rem == 0 ? 0 : block - rem);
  if (!boundary || *boundary > d.size()) return end;
  return all_zero(slice(d, end, *boundary - end)) ? *boundary : end;
}

}  // namespace

std::unique_ptr<Unpacker> make_archive_unpacker() { return std::make_unique<ArchiveUnpacker>(); }

std::optional<ProbeResult> probe_zip(ByteView data) {
  constexpr std::uint32_t kLocalSig = 0x04034b50;
  constexpr std::uint32_t kCentralSig = 0x02014b50;
  // EOCD candidates examined; each costs a few loads. Nested stored zips add one each.
  constexpr int kMaxCandidates = 4096;
  if (load_le<std::uint32_t>(data, 0).value_or(0) != kLocalSig) return std::nullopt;
  auto version = load_le<std::uint16_t>(data, 4);
  auto name_len = load_le<std::uint16_t>(data, 26);
  if (!version || (*version & 0xFF) > 90 || !name_len || *name_len == 0) return std::nullopt;
  static constexpr char kEocd[] = {'P', 'K', 5, 6};
  std::size_t from = 30;
  for (int n = 0; n < kMaxCandidates && from < data.size(); ++n) {
    const void* hit = memmem(data.data() + from, data.size() - from, kEocd, sizeof(kEocd));
    if (hit == nullptr) break;
    std::uint64_t pos = static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(hit) -
                                                   data.data());
    from = pos + 1;
    auto cd_size = load_le<std::uint32_t>(data, pos + 12);
    auto cd_off = load_le<std::uint32_t>(data, pos + 16);
    auto comment = load_le<std::uint16_t>(data, pos + 20);
    if (!cd_size || !cd_off || !comment) break;
    std::uint64_t size = *cd_size, off = *cd_off, cd_end = pos;
    if (*cd_size == 0xFFFFFFFFu || *cd_off == 0xFFFFFFFFu) {
      // Zip64: the locator right before the EOCD gives the Zip64 record, which ends the CD.
      if (pos < 20 || load_le<std::uint32_t>(data, pos - 20).value_or(0) != 0x07064b50) continue;
      std::uint64_t z = load_le<std::uint64_t>(data, pos - 12).value_or(~0ull);
      if (load_le<std::uint32_t>(data, z).value_or(0) != 0x06064b50 || z >= pos) continue;
      size = load_le<std::uint64_t>(data, z + 40).value_or(~0ull);
      off = load_le<std::uint64_t>(data, z + 48).value_or(~0ull);
      cd_end = z;
    }
    auto end = checked_add(off, size);
    if (!end || *end != cd_end) continue;
    if (size != 0 && load_le<std::uint32_t>(data, off).value_or(0) != kCentralSig) continue;
    if (!fits(pos + 22, *comment, data.size())) continue;
    return ProbeResult{Kind::kZip, pos + 22 + *comment};
  }
  return std::nullopt;
}

std::optional<ProbeResult> probe_7z(ByteView data) {
  if (!has_magic(data, 0, "7z\xBC\xAF\x27\x1C")) return std::nullopt;
  auto major = load_le<std::uint8_t>(data, 6);
  auto start_crc = load_le<std::uint32_t>(data, 8);
  ByteView start = slice(data, 12, 20);
  if (!major || *major != 0 || !start_crc || start.empty()) return std::nullopt;
  if (::crc32(0, start.data(), static_cast<uInt>(start.size())) != *start_crc) return std::nullopt;
  std::uint64_t next_off = *load_le<std::uint64_t>(data, 12);
  std::uint64_t next_size = *load_le<std::uint64_t>(data, 20);
  std::uint32_t next_crc = *load_le<std::uint32_t>(data, 28);
  auto header_at = checked_add<std::uint64_t>(32, next_off);
  if (!header_at || !fits(*header_at, next_size, data.size())) return std::nullopt;
  ByteView header = slice(data, *header_at, next_size);
  if (next_size > 0 && ::crc32(0, header.data(), static_cast<uInt>(header.size())) != next_crc)
    return std::nullopt;
  return ProbeResult{Kind::kSevenZip, *header_at + next_size};
}

std::optional<ProbeResult> probe_tar(ByteView data) {
  constexpr std::uint64_t kBlock = 512;
  constexpr std::uint64_t kRecord = 10240;  // tar's default blocking factor 20
  if (!fits(0, kBlock, data.size()) || !has_magic(data, 257, "ustar")) return std::nullopt;
  if (!tar_checksum_ok(slice(data, 0, kBlock))) return std::nullopt;
  std::uint64_t pos = 0;
  while (fits(pos, kBlock, data.size())) {
    ByteView h = slice(data, pos, kBlock);
    if (all_zero(h)) return ProbeResult{Kind::kTar, include_padding(data, pos + kBlock, kRecord)};
    if (!tar_checksum_ok(h)) break;  // something else follows an archive without end blocks
    auto size = tar_number(h.subspan(124, 12));
    if (!size) break;
    std::uint8_t type = h[156];
    bool no_data = type == '2' || type == '3' || type == '4' || type == '5' || type == '6';
    auto padded = align_up(no_data ? 0 : *size, kBlock);
    auto next = padded ? checked_add(pos + kBlock, *padded) : std::nullopt;
    if (!next || *next > data.size()) return ProbeResult{Kind::kTar, data.size()};
    pos = *next;
  }
  return ProbeResult{Kind::kTar, pos};
}

std::optional<ProbeResult> probe_cpio(ByteView data) {
  constexpr std::uint64_t kBlock = 512;  // cpio pads its output to 512-byte blocks
  auto first = cpio_header(data, 0);
  if (!first) return std::nullopt;
  // The binary format's magic is two bytes, common in any binary: only a walk that reaches the
  // trailer counts. The ASCII formats' six-digit magic and hex/octal fields are evidence enough
  // to accept the members read before a damaged header.
  bool binary = !has_magic(data, 0, "0707");
  std::uint64_t pos = 0;
  for (;;) {
    auto h = cpio_header(data, pos);
    if (!h) {
      if (pos == 0 || binary) return std::nullopt;
      return ProbeResult{Kind::kCpio, pos};
    }
    std::string_view name = as_chars(slice(data, h->name_off, h->name_size - 1));
    if (h->next > data.size()) {
      if (binary) return std::nullopt;
      return ProbeResult{Kind::kCpio, data.size()};
    }
    if (name == "TRAILER!!!") return ProbeResult{Kind::kCpio, include_padding(data, h->next, kBlock)};
    pos = h->next;
  }
}

}  // namespace assay::unpack
