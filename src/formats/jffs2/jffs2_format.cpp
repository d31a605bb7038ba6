#include "formats/jffs2/jffs2_format.hpp"

#include <lzma.h>
#include <lzo/lzo1x.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>

namespace assay::jffs2 {
namespace {

using Bytes = std::vector<std::uint8_t>;

// mkfs.jffs2 patches disagree on the LZMA compressor's number: the kernel header says 0x08,
// mtd-utils' compr_lzma.c falls back to 0x15 when the header lacks it.
constexpr std::uint8_t kComprLzmaAlt = 0x15;

// OpenWrt's jffs2 LZMA (as jefferson decodes it): a raw LZMA1 stream with no properties header,
// lc=0 lp=0 pb=0 and an 8 KiB dictionary (a node holds one page, so more would be unused).
constexpr std::uint32_t kOpenWrtLzmaDict = 0x2000;
// mtd-utils' compr_lzma.c stores the 5-byte LZMA properties header before the stream.
constexpr std::size_t kLzmaPropsSize = 5;
// A dictionary bigger than this in a per-page stream is not a JFFS2 LZMA header (mtd-utils
// writes 8 KiB); refusing it keeps a hostile header from making liblzma allocate much.
constexpr std::uint32_t kMaxLzmaDict = 1u << 20;

// Fuzzing builds accept any CRC so that mutated inputs reach the node parsers and the tree
// builder instead of stopping at the header check.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr bool kTrustCrc = true;
#else
constexpr bool kTrustCrc = false;
#endif

Error corrupt(const char* what) { return make_error(Errc::kMalformed, what); }

Result<Bytes> inflate_node(ByteView in, std::uint32_t dsize) {
  // fs/jffs2/compr_zlib.c skips a valid zlib header and inflates raw so that the adler32 is
  // not checked; do the same, and fall back to a full zlib stream for anything else.
  int wbits = MAX_WBITS;
  std::size_t skip = 0;
  if (in.size() > 2 && (in[0] & 0x0F) == Z_DEFLATED && (in[1] & 0x20) == 0 &&
      ((static_cast<unsigned>(in[0]) << 8) + in[1]) % 31 == 0) {
    wbits = -MAX_WBITS;
    skip = 2;
  }
  z_stream zs{};
  if (inflateInit2(&zs, wbits) != Z_OK) return make_error(Errc::kInternal, "inflateInit2 failed");
  Bytes out(dsize);
  zs.next_in = const_cast<Bytef*>(in.data() + skip);
  zs.avail_in = static_cast<uInt>(in.size() - skip);
  zs.next_out = out.data();
  zs.avail_out = dsize;
  int rc = Z_OK;
  while (zs.avail_out > 0 && rc == Z_OK) rc = inflate(&zs, Z_NO_FLUSH);
  std::uint64_t produced = dsize - zs.avail_out;
  inflateEnd(&zs);
  if (rc != Z_OK && rc != Z_STREAM_END) return corrupt("zlib stream is corrupt");
  if (produced != dsize) return corrupt("zlib stream ends before the node's dsize");
  return out;
}

Result<Bytes> rtime_node(ByteView in, std::uint32_t dsize) {
  // fs/jffs2/compr_rtime.c: pairs of (byte, repeat); a repeat copies from where that byte value
  // was last seen. The kernel trusts the input; every index here is checked.
  Bytes out(dsize);
  std::array<std::uint32_t, 256> positions{};
  std::size_t pos = 0;
  std::uint32_t outpos = 0;
  while (outpos < dsize) {
    if (!fits(pos, 2, in.size())) return corrupt("rtime stream ends before the node's dsize");
    std::uint8_t value = in[pos];
    std::uint32_t repeat = in[pos + 1];
    pos += 2;
    out[outpos++] = value;
    std::uint32_t back = positions[value];
    positions[value] = outpos;
    if (repeat > dsize - outpos) return corrupt("rtime repeat runs past the node's dsize");
    // Byte by byte: the source may overlap the bytes being written (a run).
    for (std::uint32_t i = 0; i < repeat; ++i) out[outpos++] = out[back++];
  }
  return out;
}

Result<Bytes> lzo_node(ByteView in, std::uint32_t dsize) {
  static const bool ready = lzo_init() == LZO_E_OK;
  if (!ready) return make_error(Errc::kInternal, "lzo_init failed");
  Bytes out(std::max<std::uint32_t>(dsize, 1));
  lzo_uint out_len = dsize;
  int rc = lzo1x_decompress_safe(in.data(), in.size(), out.data(), &out_len, nullptr);
  if (rc != LZO_E_OK || out_len != dsize) return corrupt("lzo stream is corrupt");
  out.resize(dsize);
  return out;
}

Result<Bytes> lzma_raw(ByteView in, std::uint32_t dsize, std::uint32_t dict, std::uint32_t lc,
                       std::uint32_t lp, std::uint32_t pb) {
  lzma_options_lzma opt{};
  if (lzma_lzma_preset(&opt, 0)) return make_error(Errc::kInternal, "lzma preset failed");
  opt.dict_size = std::max<std::uint32_t>(dict, LZMA_DICT_SIZE_MIN);
  opt.lc = lc;
  opt.lp = lp;
  opt.pb = pb;
  std::array<lzma_filter, 2> filters = {lzma_filter{LZMA_FILTER_LZMA1, &opt},
                                        lzma_filter{LZMA_VLI_UNKNOWN, nullptr}};
  lzma_stream zs = LZMA_STREAM_INIT;
  if (lzma_raw_decoder(&zs, filters.data()) != LZMA_OK) return corrupt("bad lzma properties");
  Bytes out(dsize);
  zs.next_in = in.data();
  zs.avail_in = in.size();
  zs.next_out = out.data();
  zs.avail_out = dsize;
  lzma_ret rc = LZMA_OK;
  // The stream has no end marker: it ends when dsize bytes are out. LZMA_FINISH lets liblzma
  // report a stream that runs dry instead of waiting for more input.
  while (zs.avail_out > 0 && rc == LZMA_OK) rc = lzma_code(&zs, LZMA_FINISH);
  std::uint64_t produced = dsize - zs.avail_out;
  lzma_end(&zs);
  if (produced != dsize) return corrupt("lzma stream is corrupt or short");
  return out;
}

Result<Bytes> lzma_node(ByteView in, std::uint32_t dsize) {
  // A raw LZMA stream always starts with a zero byte (the range coder's first output); with a
  // properties header, byte 5 is that zero and bytes 1-4 hold a small dictionary size.
  if (in.size() > kLzmaPropsSize && in[0] < 9 * 5 * 5 && in[kLzmaPropsSize] == 0) {
    std::uint32_t dict = load_unchecked<std::uint32_t>(in.data() + 1, Endian::kLittle);
    if (dict != 0 && dict <= kMaxLzmaDict) {
      std::uint32_t p = in[0];
      auto r = lzma_raw(in.subspan(kLzmaPropsSize), dsize, dict, p % 9, (p / 9) % 5, p / 45);
      if (r) return r;
    }
  }
  return lzma_raw(in, dsize, kOpenWrtLzmaDict, 0, 0, 0);
}

}  // namespace

const char* compr_name(std::uint8_t compr) noexcept {
  switch (compr) {
    case 0: return "none";
    case 1: return "zero";
    case 2: return "rtime";
    case 3: return "rubinmips";
    case 4: return "copy";
    case 5: return "dynrubin";
    case 6: return "zlib";
    case 7: return "lzo";
    case 8: return "lzma";
    case kComprLzmaAlt: return "lzma";
    default: return "unknown";
  }
}

std::uint32_t crc(ByteView data) noexcept {
  // zlib inverts before and after; starting from ~0 and inverting the result cancels both.
  return ~static_cast<std::uint32_t>(::crc32_z(0xFFFFFFFFUL, data.data(), data.size()));
}

std::optional<NodeHeader> read_header(ByteView data, std::uint64_t offset, Endian e) noexcept {
  if (!fits(offset, kHeaderSize, data.size())) return std::nullopt;
  const std::uint8_t* p = data.data() + offset;
  NodeHeader h;
  h.magic = load_unchecked<std::uint16_t>(p, e);
  h.type = load_unchecked<std::uint16_t>(p + 2, e);
  h.totlen = load_unchecked<std::uint32_t>(p + 4, e);
  h.hdr_crc = load_unchecked<std::uint32_t>(p + 8, e);
  h.crc_ok = h.magic == kMagic && (kTrustCrc || crc(ByteView(p, 8)) == h.hdr_crc);
  return h;
}

bool valid_header_at(ByteView data, std::uint64_t offset, Endian e) noexcept {
  auto h = read_header(data, offset, e);
  return h && h->crc_ok && h->totlen >= kHeaderSize;
}

Result<Dirent> parse_dirent(ByteView node, Endian e) {
  if (node.size() < kDirentSize) return make_error(Errc::kTruncated, "dirent node too short");
  const std::uint8_t* p = node.data();
  Dirent d;
  d.pino = load_unchecked<std::uint32_t>(p + 12, e);
  d.version = load_unchecked<std::uint32_t>(p + 16, e);
  d.ino = load_unchecked<std::uint32_t>(p + 20, e);
  d.mctime = load_unchecked<std::uint32_t>(p + 24, e);
  std::uint8_t nsize = p[28];
  d.type = p[29];
  std::uint32_t node_crc = load_unchecked<std::uint32_t>(p + 32, e);
  std::uint32_t name_crc = load_unchecked<std::uint32_t>(p + 36, e);
  d.node_crc_ok = kTrustCrc || crc(node.first(kDirentSize - 8)) == node_crc;
  if (!fits(kDirentSize, nsize, node.size()))
    return make_error(Errc::kTruncated, "dirent name runs past the node");
  ByteView name = node.subspan(kDirentSize, nsize);
  d.name_crc_ok = kTrustCrc || crc(name) == name_crc;
  d.name.assign(as_chars(name));
  return d;
}

Result<Inode> parse_inode(ByteView node, Endian e) {
  if (node.size() < kInodeSize) return make_error(Errc::kTruncated, "inode node too short");
  const std::uint8_t* p = node.data();
  Inode n;
  n.ino = load_unchecked<std::uint32_t>(p + 12, e);
  n.version = load_unchecked<std::uint32_t>(p + 16, e);
  n.mode = load_unchecked<std::uint32_t>(p + 20, e);
  n.uid = load_unchecked<std::uint16_t>(p + 24, e);
  n.gid = load_unchecked<std::uint16_t>(p + 26, e);
  n.isize = load_unchecked<std::uint32_t>(p + 28, e);
  n.mtime = load_unchecked<std::uint32_t>(p + 36, e);
  n.offset = load_unchecked<std::uint32_t>(p + 44, e);
  n.csize = load_unchecked<std::uint32_t>(p + 48, e);
  n.dsize = load_unchecked<std::uint32_t>(p + 52, e);
  n.compr = p[56];
  n.data_crc = load_unchecked<std::uint32_t>(p + 60, e);
  std::uint32_t node_crc = load_unchecked<std::uint32_t>(p + 64, e);
  n.node_crc_ok = kTrustCrc || crc(node.first(kInodeSize - 8)) == node_crc;
  if (!fits(kInodeSize, n.csize, node.size()))
    return make_error(Errc::kTruncated, "inode data runs past the node");
  n.data = node.subspan(kInodeSize, n.csize);
  n.data_crc_ok = kTrustCrc || crc(n.data) == n.data_crc;
  return n;
}

Result<Bytes> decompress(std::uint8_t compr, ByteView in, std::uint32_t dsize) {
  switch (compr) {
    case static_cast<std::uint8_t>(Compr::kNone):
    case static_cast<std::uint8_t>(Compr::kCopy): {
      if (in.size() < dsize) return corrupt("uncompressed node holds fewer bytes than dsize");
      return Bytes(in.begin(), in.begin() + dsize);
    }
    case static_cast<std::uint8_t>(Compr::kZero): return Bytes(dsize, 0);
    case static_cast<std::uint8_t>(Compr::kRtime): return rtime_node(in, dsize);
    case static_cast<std::uint8_t>(Compr::kZlib): return inflate_node(in, dsize);
    case static_cast<std::uint8_t>(Compr::kLzo): return lzo_node(in, dsize);
    case static_cast<std::uint8_t>(Compr::kLzma):
    case kComprLzmaAlt: return lzma_node(in, dsize);
    default:
      return make_error(Errc::kUnsupported,
                        std::string("JFFS2 compressor ") + compr_name(compr) + " (" +
                            std::to_string(compr) + ") is not supported");
  }
}

}  // namespace assay::jffs2
