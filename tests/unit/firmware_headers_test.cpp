// Firmware container formats: uImage, TRX, Android sparse and boot images, device trees and FIT.
// Fixtures are generated with the real tools (mkimage, dtc, img2simg/simg2img, mkbootimg) into a
// TempDir; TRX and the boot header v4 have no tool on Debian and are built byte by byte here.
#include <zlib.h>

#include <cstring>
#include <string>

#include "support/test_support.hpp"
#include "unpack/fdt.hpp"
#include "unpack/memory_sink.hpp"
#include "unpack/uimage.hpp"
#include "unpack/unpackers.hpp"

namespace assay::unpack {
namespace {

using test::read_file;
using test::run;
using test::TempDir;
using test::write_file;

const std::string kPath = "PATH=$PATH:/usr/sbin:/sbin ";

ByteView view_of(const std::string& s) { return as_bytes(s); }

struct Opened {
  std::unique_ptr<MemorySink> sink;
  Status status;
  const MemorySink::Member* find(std::string_view p) const { return sink->find(p); }
  std::size_t errors() const {
    std::size_t n = 0;
    for (const auto& d : sink->diags) n += d.level == DiagLevel::kError;
    return n;
  }
  bool has_diag(std::string_view needle) const {
    for (const auto& d : sink->diags)
      if (d.message.find(needle) != std::string::npos) return true;
    return false;
  }
};

Opened open_with(std::unique_ptr<Unpacker> u, const std::string& bytes, Kind kind,
                 Limits limits = {}) {
  Opened o;
  o.sink = std::make_unique<MemorySink>(content_from(bytes), limits);
  EXPECT_TRUE(u->can_open(kind));
  o.status = u->open(UnpackInput{view_of(bytes), kind, "input"}, *o.sink);
  return o;
}

std::string random_bytes(const TempDir& t, const std::string& name, std::size_t n) {
  EXPECT_EQ(run("head -c " + std::to_string(n) + " /dev/urandom > '" + (t / name).string() + "'"),
            0);
  return read_file(t / name);
}

void put_le32(std::string& s, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
std::uint32_t zcrc(std::string_view s) {
  return static_cast<std::uint32_t>(
      ::crc32_z(0L, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

// ---------------------------------------------------------------------------------------------
// uImage

TEST(UImage, GzipKernelFieldsAndPayload) {
  ASSAY_REQUIRE_TOOL("mkimage");
  TempDir t;
  random_bytes(t, "k", 20000);
  ASSERT_EQ(run("cd " + t.str() +
                " && gzip -9 -k k && mkimage -A arm -O linux -T kernel -C gzip "
                "-a 0x8000 -e 0x8040 -n 'Linux 6.1/test' -d k.gz uImage >/dev/null"),
            0);
  std::string img = read_file(t / "uImage");
  std::string gz = read_file(t / "k.gz");

  auto h = parse_uimage_header(view_of(img));
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->header_crc_ok);
  EXPECT_EQ(h->name, "Linux 6.1/test");
  EXPECT_EQ(h->arch_name(), "arm");
  EXPECT_EQ(h->os_name(), "linux");
  EXPECT_EQ(h->type_name(), "kernel");
  EXPECT_EQ(h->comp_name(), "gzip");
  EXPECT_EQ(h->comp_kind(), Kind::kGzip);
  EXPECT_EQ(h->load_address, 0x8000u);
  EXPECT_EQ(h->entry_point, 0x8040u);
  EXPECT_EQ(h->data_size, gz.size());

  auto p = probe_uimage(view_of(img));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kUImage);
  EXPECT_EQ(p->length, img.size());

  auto o = open_with(make_uimage_unpacker(), img, Kind::kUImage);
  ASSERT_TRUE(o.status.ok());
  ASSERT_EQ(o.sink->members.size(), 1u);
  const auto& m = o.sink->members[0];
  EXPECT_EQ(m.meta.path, "Linux_6.1_test");  // '/' and ' ' must not survive into the name
  EXPECT_EQ(m.meta.kind_hint, Kind::kGzip);
  EXPECT_EQ(m.meta.offset, 64u);
  EXPECT_EQ(m.data(), gz);
  EXPECT_TRUE(o.sink->diags.empty());
}

TEST(UImage, UncompressedRamdiskAndLzmaHints) {
  ASSAY_REQUIRE_TOOL("mkimage");
  TempDir t;
  std::string rd = random_bytes(t, "rd", 4097);
  ASSERT_EQ(run("cd " + t.str() +
                " && mkimage -A mips -O linux -T ramdisk -C none -d rd r.img "
                ">/dev/null && mkimage -A arm64 -O linux -T kernel -C lzma -n k -d rd l.img "
                ">/dev/null"),
            0);
  std::string r = read_file(t / "r.img");
  auto o = open_with(make_uimage_unpacker(), r, Kind::kUImage);
  ASSERT_EQ(o.sink->members.size(), 1u);
  EXPECT_EQ(o.sink->members[0].meta.path, "payload");  // no image name
  EXPECT_EQ(o.sink->members[0].meta.kind_hint, Kind::kUnknown);
  EXPECT_EQ(o.sink->members[0].data(), rd);
  auto h = parse_uimage_header(view_of(r));
  EXPECT_EQ(h->type_name(), "ramdisk");
  EXPECT_EQ(h->arch_name(), "mips");

  std::string l = read_file(t / "l.img");
  auto o2 = open_with(make_uimage_unpacker(), l, Kind::kUImage);
  ASSERT_EQ(o2.sink->members.size(), 1u);
  EXPECT_EQ(o2.sink->members[0].meta.path, "k");
  EXPECT_EQ(o2.sink->members[0].meta.kind_hint, Kind::kLzma);
  EXPECT_EQ(parse_uimage_header(view_of(l))->arch_name(), "arm64");
}

TEST(UImage, MultiFileImage) {
  ASSAY_REQUIRE_TOOL("mkimage");
  TempDir t;
  std::string a = random_bytes(t, "a", 3001);
  std::string b = random_bytes(t, "b", 1002);
  std::string c = random_bytes(t, "c", 515);
  ASSERT_EQ(run("cd " + t.str() +
                " && mkimage -A arm -O linux -T multi -C gzip -n multi "
                "-d a:b:c m.img >/dev/null"),
            0);
  std::string img = read_file(t / "m.img");
  auto o = open_with(make_uimage_unpacker(), img, Kind::kUImage);
  ASSERT_TRUE(o.status.ok());
  ASSERT_EQ(o.sink->members.size(), 3u);
  EXPECT_EQ(o.sink->members[0].meta.path, "image-0");
  EXPECT_EQ(o.sink->members[0].meta.kind_hint, Kind::kGzip);  // the kernel part is decompressed
  EXPECT_EQ(o.sink->members[1].meta.kind_hint, Kind::kUnknown);
  EXPECT_EQ(o.sink->members[0].data(), a);
  EXPECT_EQ(o.sink->members[1].data(), b);
  EXPECT_EQ(o.sink->members[2].meta.path, "image-2");
  EXPECT_EQ(o.sink->members[2].data(), c);
  EXPECT_TRUE(o.sink->diags.empty());
}

TEST(UImage, BadHeaderCrcRejectedByProbeButStillOpens) {
  ASSAY_REQUIRE_TOOL("mkimage");
  TempDir t;
  std::string k = random_bytes(t, "k", 1000);
  ASSERT_EQ(run("cd " + t.str() +
                " && mkimage -A arm -O linux -T kernel -C none -n abc -d k "
                "u.img >/dev/null"),
            0);
  std::string img = read_file(t / "u.img");
  ASSERT_TRUE(probe_uimage(view_of(img)));
  img[32] ^= 0x01;  // name byte: header CRC no longer matches
  EXPECT_FALSE(probe_uimage(view_of(img)));
  auto o = open_with(make_uimage_unpacker(), img, Kind::kUImage);
  EXPECT_TRUE(o.has_diag("header CRC"));
  ASSERT_EQ(o.sink->members.size(), 1u);
  EXPECT_EQ(o.sink->members[0].data(), k);
}

TEST(UImage, TruncatedAndCorruptDataDiagnosed) {
  ASSAY_REQUIRE_TOOL("mkimage");
  TempDir t;
  std::string k = random_bytes(t, "k", 5000);
  ASSERT_EQ(run("cd " + t.str() +
                " && mkimage -A arm -O linux -T kernel -C none -d k u.img "
                ">/dev/null"),
            0);
  std::string img = read_file(t / "u.img");
  std::string cut = img.substr(0, 64 + 3000);
  auto p = probe_uimage(view_of(cut));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, cut.size());
  auto o = open_with(make_uimage_unpacker(), cut, Kind::kUImage);
  EXPECT_TRUE(o.has_diag("truncated"));
  EXPECT_GE(o.errors(), 1u);
  ASSERT_EQ(o.sink->members.size(), 1u);
  EXPECT_EQ(o.sink->members[0].data(), k.substr(0, 3000));

  std::string flipped = img;
  flipped[64 + 100] ^= 0x40;
  auto o2 = open_with(make_uimage_unpacker(), flipped, Kind::kUImage);
  EXPECT_TRUE(o2.has_diag("data CRC"));

  std::string tiny = img.substr(0, 40);
  EXPECT_FALSE(probe_uimage(view_of(tiny)));
  auto o3 = open_with(make_uimage_unpacker(), tiny, Kind::kUImage);
  EXPECT_FALSE(o3.status.ok());
}

TEST(UImage, CorpusSheevaplugKernelAndInitrd) {
  ASSAY_REQUIRE_CORPUS();
  auto dir = test::corpus_dir() / "firmware/debian-kirkwood-sheevaplug";
  if (!std::filesystem::exists(dir / "uInitrd")) GTEST_SKIP() << "corpus sample missing";
  for (std::string name : {"uImage", "uInitrd"}) {
    SCOPED_TRACE(name);
    std::string img = read_file(dir / name);
    auto p = probe_uimage(view_of(img));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->length, img.size());
    auto o = open_with(make_uimage_unpacker(), img, Kind::kUImage);
    ASSERT_TRUE(o.status.ok());
    ASSERT_EQ(o.sink->members.size(), 1u);
    EXPECT_TRUE(o.sink->diags.empty());  // both CRCs verify
    const auto& m = o.sink->members[0];
    EXPECT_TRUE(m.content.view().size() == img.size() - 64 &&
                std::memcmp(m.content.view().data(), img.data() + 64, img.size() - 64) == 0);
    if (name == "uInitrd") {
      EXPECT_EQ(m.meta.kind_hint, Kind::kGzip);
      EXPECT_EQ(m.meta.path, "debian-installer_ramdisk");
      EXPECT_EQ(static_cast<unsigned char>(m.content.view()[0]), 0x1f);
    } else {
      EXPECT_EQ(m.meta.kind_hint, Kind::kUnknown);  // "Not compressed" (self-decompressing zImage)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// TRX

// Builds a TRX the way OpenWrt's trx tool does: header, partitions at 4-byte aligned offsets,
// CRC = complement of zlib's crc32 from offset 12.
std::string make_trx(int version, const std::vector<std::string>& parts) {
  std::size_t hdr = version == 1 ? 28 : 32;
  std::string img(hdr, '\0');
  std::memcpy(img.data(), "HDR0", 4);
  img[14] = static_cast<char>(version);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    put_le32(img, 16 + 4 * i, static_cast<std::uint32_t>(img.size()));
    img += parts[i];
    img.resize((img.size() + 3) & ~std::size_t{3}, '\0');
  }
  put_le32(img, 4, static_cast<std::uint32_t>(img.size()));
  put_le32(img, 8, ~zcrc(std::string_view(img).substr(12)));
  return img;
}

TEST(Trx, V1ThreePartitions) {
  TempDir t;
  std::string p0 = random_bytes(t, "p0", 1000), p1 = random_bytes(t, "p1", 2001),
              p2 = random_bytes(t, "p2", 3003);
  std::string img = make_trx(1, {p0, p1, p2});
  auto p = probe_trx(view_of(img));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kTrx);
  EXPECT_EQ(p->length, img.size());
  std::string with_tail = img + std::string(5000, '\xff');  // flash padding after the image
  EXPECT_EQ(probe_trx(view_of(with_tail))->length, img.size());

  auto o = open_with(make_trx_unpacker(), img, Kind::kTrx);
  ASSERT_TRUE(o.status.ok());
  ASSERT_EQ(o.sink->members.size(), 3u);
  EXPECT_EQ(o.sink->members[0].meta.path, "partition-0");
  EXPECT_EQ(o.sink->members[0].meta.offset, 28u);
  // Each partition runs to the next offset, so the 4-byte padding stays with its partition.
  EXPECT_EQ(o.sink->members[0].data(), p0);
  EXPECT_EQ(o.sink->members[1].data().substr(0, p1.size()), p1);
  EXPECT_EQ(o.sink->members[1].data().size(), 2004u);
  EXPECT_EQ(o.sink->members[2].data().substr(0, p2.size()), p2);
  EXPECT_TRUE(o.sink->diags.empty());
}

TEST(Trx, V2FourPartitionsAndBadCrc) {
  TempDir t;
  std::string img = make_trx(2, {random_bytes(t, "a", 64), random_bytes(t, "b", 128),
                                 random_bytes(t, "c", 256), random_bytes(t, "d", 512)});
  ASSERT_TRUE(probe_trx(view_of(img)));
  auto o = open_with(make_trx_unpacker(), img, Kind::kTrx);
  ASSERT_EQ(o.sink->members.size(), 4u);
  EXPECT_EQ(o.sink->members[3].meta.path, "partition-3");
  EXPECT_EQ(o.sink->members[3].data().size(), 512u);
  EXPECT_EQ(o.sink->members[0].meta.offset, 32u);

  std::string bad = img;
  bad[100] ^= 0x01;  // data changed: CRC wrong, offsets still sane
  ASSERT_TRUE(probe_trx(view_of(bad)));
  auto o2 = open_with(make_trx_unpacker(), bad, Kind::kTrx);
  EXPECT_TRUE(o2.has_diag("CRC"));
  EXPECT_EQ(o2.sink->members.size(), 4u);

  std::string weird = bad;
  put_le32(weird, 16, 40);  // first partition no longer right after the header, and CRC wrong
  EXPECT_FALSE(probe_trx(view_of(weird)));
  std::string wrong_version = img;
  wrong_version[14] = 7;
  EXPECT_FALSE(probe_trx(view_of(wrong_version)));

  std::string cut = img.substr(0, 300);
  auto o3 = open_with(make_trx_unpacker(), cut, Kind::kTrx);
  EXPECT_TRUE(o3.has_diag("truncated"));
  EXPECT_EQ(probe_trx(view_of(cut))->length, 300u);
}

// ---------------------------------------------------------------------------------------------
// Android sparse

void check_sparse_roundtrip(const TempDir& t, const std::string& raw_name) {
  ASSERT_EQ(run("cd " + t.str() + " && img2simg " + raw_name + " s.img && simg2img s.img back.raw"),
            0);
  std::string raw = read_file(t / raw_name);
  std::string sparse = read_file(t / "s.img");
  ASSERT_EQ(read_file(t / "back.raw"), raw);  // the tools agree with themselves
  ASSERT_LT(sparse.size(), raw.size());       // there really were holes or fills
  auto p = probe_android_sparse(view_of(sparse));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kAndroidSparse);
  EXPECT_EQ(p->length, sparse.size());
  auto o = open_with(make_android_sparse_unpacker(), sparse, Kind::kAndroidSparse);
  ASSERT_TRUE(o.status.ok()) << o.status.error().message;
  ASSERT_EQ(o.sink->members.size(), 1u);
  EXPECT_EQ(o.sink->members[0].meta.path, "image.raw");
  EXPECT_TRUE(o.sink->members[0].data() == raw);
  EXPECT_TRUE(o.sink->diags.empty());
}

TEST(AndroidSparse, RandomWithZeroAndFillRuns) {
  ASSAY_REQUIRE_TOOL("img2simg");
  TempDir t;
  // random | zeros (DONT_CARE) | 0x55 pattern (FILL) | random | zeros at the end
  ASSERT_EQ(run("cd " + t.str() +
                " && { head -c 262144 /dev/urandom; head -c 1048576 /dev/zero; "
                "head -c 65536 /dev/zero | tr '\\000' 'U'; head -c 12288 /dev/urandom; "
                "head -c 40960 /dev/zero; } > raw"),
            0);
  check_sparse_roundtrip(t, "raw");
}

TEST(AndroidSparse, Ext4Image) {
  ASSAY_REQUIRE_TOOL("img2simg");
  ASSAY_REQUIRE_TOOL("mke2fs");
  TempDir t;
  ASSERT_EQ(run("cd " + t.str() +
                " && mkdir -p root/etc && echo hello > root/etc/hostname && "
                "head -c 30000 /dev/urandom > root/blob && " +
                kPath + "mke2fs -q -t ext4 -b 4096 -d root fs.ext4 8M"),
            0);
  check_sparse_roundtrip(t, "fs.ext4");
}

TEST(AndroidSparse, LimitsAndCorruption) {
  ASSAY_REQUIRE_TOOL("img2simg");
  TempDir t;
  ASSERT_EQ(run("cd " + t.str() +
                " && { head -c 8192 /dev/urandom; head -c 4194304 /dev/zero; "
                "head -c 4096 /dev/urandom; } > raw && img2simg raw s.img"),
            0);
  std::string sparse = read_file(t / "s.img");
  Limits tight;
  tight.max_file_bytes = 1 << 20;
  auto o = open_with(make_android_sparse_unpacker(), sparse, Kind::kAndroidSparse, tight);
  EXPECT_TRUE(o.has_diag("max_file_bytes"));
  ASSERT_EQ(o.sink->members.size(), 1u);  // what was produced before the limit is kept
  EXPECT_LE(o.sink->members[0].content.size, std::uint64_t{1} << 20);

  std::string cut = sparse.substr(0, 28 + 12 + 4000);  // inside the first raw chunk
  EXPECT_FALSE(probe_android_sparse(view_of(cut)));
  auto o2 = open_with(make_android_sparse_unpacker(), cut, Kind::kAndroidSparse);
  EXPECT_GE(o2.errors(), 1u);

  std::string bad_type = sparse;
  bad_type[28] = 0x77;  // first chunk type
  EXPECT_FALSE(probe_android_sparse(view_of(bad_type)));
  auto o3 = open_with(make_android_sparse_unpacker(), bad_type, Kind::kAndroidSparse);
  EXPECT_TRUE(o3.has_diag("unknown type"));
}

// ---------------------------------------------------------------------------------------------
// Android boot images

struct BootParts {
  std::string kernel, ramdisk, second, dtbo, dtb;
};

// Debian's mkbootimg (bookworm) computes the recovery_dtbo offset with Python 3 float division
// and crashes when --recovery_dtbo is given; the test runs a copy with the integer division
// restored (a no-op on a fixed mkbootimg).
std::string mkbootimg(const TempDir& t) {
  EXPECT_EQ(run("sed 's|(image_size + page_size - 1) / page_size|(image_size + page_size - 1) "
                "// page_size|' \"$(command -v mkbootimg)\" > '" +
                (t / "mkbootimg.py").string() + "'"),
            0);
  return "python3 '" + (t / "mkbootimg.py").string() + "'";
}

BootParts make_boot_parts(const TempDir& t) {
  BootParts p;
  p.kernel = random_bytes(t, "kernel", 5001);
  p.ramdisk = random_bytes(t, "ramdisk", 3002);
  p.second = random_bytes(t, "second", 1003);
  p.dtbo = random_bytes(t, "dtbo", 704);
  p.dtb = random_bytes(t, "dtb", 605);
  return p;
}

class AndroidBootVersion : public ::testing::TestWithParam<int> {};

TEST_P(AndroidBootVersion, MkbootimgSections) {
  ASSAY_REQUIRE_TOOL("mkbootimg");
  TempDir t;
  BootParts parts = make_boot_parts(t);
  const int v = GetParam();
  {
    std::string cmd = "cd " + t.str() + " && " + mkbootimg(t) + " --header_version " +
                      std::to_string(v) +
                      " --kernel kernel --ramdisk ramdisk --cmdline 'console=ttyS0' -o boot.img";
    if (v < 3) cmd += " --second second --pagesize 2048";
    if (v == 1 || v == 2) cmd += " --recovery_dtbo dtbo";
    if (v == 2) cmd += " --dtb dtb";
    ASSERT_EQ(run(cmd + " >/dev/null"), 0);
    std::string img = read_file(t / "boot.img");
    auto p = probe_android_boot(view_of(img));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, Kind::kAndroidBoot);
    EXPECT_EQ(p->length, img.size());
    auto o = open_with(make_android_boot_unpacker(), img, Kind::kAndroidBoot);
    ASSERT_TRUE(o.status.ok());
    EXPECT_TRUE(o.sink->diags.empty());
    ASSERT_TRUE(o.find("kernel"));
    EXPECT_EQ(o.find("kernel")->data(), parts.kernel);
    EXPECT_EQ(o.find("kernel")->meta.offset, v < 3 ? 2048u : 4096u);
    ASSERT_TRUE(o.find("ramdisk"));
    EXPECT_EQ(o.find("ramdisk")->data(), parts.ramdisk);
    std::size_t expected = 2;
    if (v < 3) {
      ASSERT_TRUE(o.find("second"));
      EXPECT_EQ(o.find("second")->data(), parts.second);
      ++expected;
    }
    if (v == 1 || v == 2) {
      ASSERT_TRUE(o.find("recovery_dtbo"));
      EXPECT_EQ(o.find("recovery_dtbo")->data(), parts.dtbo);
      ++expected;
    }
    if (v == 2) {
      ASSERT_TRUE(o.find("dtb"));
      EXPECT_EQ(o.find("dtb")->data(), parts.dtb);
      ++expected;
    }
    EXPECT_EQ(o.sink->members.size(), expected);
  }
}

INSTANTIATE_TEST_SUITE_P(HeaderVersions, AndroidBootVersion, ::testing::Values(0, 1, 2, 3));

TEST(AndroidBoot, VendorBootV3) {
  ASSAY_REQUIRE_TOOL("mkbootimg");
  TempDir t;
  BootParts parts = make_boot_parts(t);
  ASSERT_EQ(run("cd " + t.str() + " && " + mkbootimg(t) +
                " --header_version 3 --vendor_boot vb.img "
                "--vendor_ramdisk ramdisk --dtb dtb --pagesize 2048 >/dev/null"),
            0);
  std::string img = read_file(t / "vb.img");
  auto p = probe_android_boot(view_of(img));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, img.size());
  auto o = open_with(make_android_boot_unpacker(), img, Kind::kAndroidBoot);
  ASSERT_EQ(o.sink->members.size(), 2u);
  ASSERT_TRUE(o.find("vendor_ramdisk"));
  EXPECT_EQ(o.find("vendor_ramdisk")->data(), parts.ramdisk);
  EXPECT_EQ(o.find("vendor_ramdisk")->meta.offset, 4096u);  // 2112-byte header: two 2 KiB pages
  ASSERT_TRUE(o.find("dtb"));
  EXPECT_EQ(o.find("dtb")->data(), parts.dtb);
}

// Debian's mkbootimg stops at v3; v4 differs only by the boot signature after the ramdisk.
TEST(AndroidBoot, HandBuiltV4AndTruncation) {
  TempDir t;
  BootParts parts = make_boot_parts(t);
  std::string img(4096, '\0');
  std::memcpy(img.data(), "ANDROID!", 8);
  put_le32(img, 8, static_cast<std::uint32_t>(parts.kernel.size()));
  put_le32(img, 12, static_cast<std::uint32_t>(parts.ramdisk.size()));
  put_le32(img, 20, 1584);
  put_le32(img, 40, 4);
  put_le32(img, 1580, static_cast<std::uint32_t>(parts.dtb.size()));
  auto pad = [&] { img.resize((img.size() + 4095) & ~std::size_t{4095}, '\0'); };
  img += parts.kernel;
  pad();
  img += parts.ramdisk;
  pad();
  img += parts.dtb;
  pad();
  auto o = open_with(make_android_boot_unpacker(), img, Kind::kAndroidBoot);
  ASSERT_EQ(o.sink->members.size(), 3u);
  EXPECT_EQ(o.find("kernel")->data(), parts.kernel);
  EXPECT_EQ(o.find("ramdisk")->data(), parts.ramdisk);
  EXPECT_EQ(o.find("boot_signature")->data(), parts.dtb);
  EXPECT_EQ(probe_android_boot(view_of(img))->length, img.size());

  std::string cut = img.substr(0, 4096 + 3000);
  auto o2 = open_with(make_android_boot_unpacker(), cut, Kind::kAndroidBoot);
  EXPECT_GE(o2.errors(), 2u);  // kernel cut, ramdisk and signature missing
  ASSERT_TRUE(o2.find("kernel"));
  EXPECT_EQ(o2.find("kernel")->data(), parts.kernel.substr(0, 3000));

  std::string bad_page(2048, '\0');
  std::memcpy(bad_page.data(), "ANDROID!", 8);
  put_le32(bad_page, 36, 1000);  // not a page size
  EXPECT_FALSE(probe_android_boot(view_of(bad_page)));
}

// ---------------------------------------------------------------------------------------------
// Device trees and FIT

const char* kDts =
    "/dts-v1/;\n/ {\n compatible = \"acme,board\";\n #address-cells = <1>;\n #size-cells = <1>;\n"
    " memory@0 { device_type = \"memory\"; reg = <0 0x1000000>; };\n"
    " soc-fw { images { kernel { data = \"not a FIT: /soc-fw/images is not /images\"; }; }; };\n"
    " soc { uart@1000 { compatible = \"ns16550a\"; reg = <0x1000 0x100>; }; };\n};\n";

TEST(Fdt, PlainDtbHasNoChildren) {
  ASSAY_REQUIRE_TOOL("dtc");
  TempDir t;
  write_file(t / "t.dts", kDts);
  ASSERT_EQ(run("cd " + t.str() + " && dtc -q -I dts -O dtb -o t.dtb t.dts"), 0);
  std::string dtb = read_file(t / "t.dtb");
  auto h = parse_fdt_header(view_of(dtb));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->version, 17u);
  EXPECT_EQ(h->total_size, dtb.size());
  auto p = probe_fdt(view_of(dtb + std::string(100, '\0')));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kDeviceTree);
  EXPECT_EQ(p->length, dtb.size());
  EXPECT_FALSE(fdt_is_fit(view_of(dtb)));
  auto o = open_with(make_fdt_unpacker(), dtb, Kind::kDeviceTree);
  ASSERT_TRUE(o.status.ok());
  EXPECT_TRUE(o.sink->members.empty());
  EXPECT_TRUE(o.sink->diags.empty());

  EXPECT_FALSE(probe_fdt(view_of(dtb.substr(0, dtb.size() - 1))));  // totalsize past the data
  std::string broken = dtb;
  broken[h->off_struct + 3] = 7;  // first token is no longer FDT_BEGIN_NODE
  EXPECT_FALSE(probe_fdt(view_of(broken)));
}

TEST(Fdt, FitWithEmbeddedData) {
  ASSAY_REQUIRE_TOOL("mkimage");
  ASSAY_REQUIRE_TOOL("dtc");
  TempDir t;
  write_file(t / "t.dts", kDts);
  std::string k = random_bytes(t, "k", 7001);
  ASSERT_EQ(run("cd " + t.str() +
                " && dtc -q -I dts -O dtb -o t.dtb t.dts && mkimage -f auto -A "
                "arm -O linux -T kernel -C none -a 0x8000 -e 0x8000 -d k -b t.dtb fit.itb "
                ">/dev/null"),
            0);
  std::string dtb = read_file(t / "t.dtb");
  std::string fit = read_file(t / "fit.itb");
  EXPECT_TRUE(fdt_is_fit(view_of(fit)));
  auto p = probe_fdt(view_of(fit));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kFit);
  EXPECT_EQ(p->length, fit.size());
  auto o = open_with(make_fdt_unpacker(), fit, Kind::kFit);
  ASSERT_TRUE(o.status.ok());
  ASSERT_EQ(o.sink->members.size(), 2u);
  ASSERT_TRUE(o.find("kernel-1"));
  EXPECT_EQ(o.find("kernel-1")->data(), k);
  EXPECT_EQ(o.find("kernel-1")->meta.kind_hint, Kind::kUnknown);  // compression = "none"
  ASSERT_TRUE(o.find("fdt-1"));
  EXPECT_EQ(o.find("fdt-1")->data(), dtb);
  EXPECT_TRUE(o.sink->diags.empty());
}

TEST(Fdt, FitWithExternalGzipData) {
  ASSAY_REQUIRE_TOOL("mkimage");
  ASSAY_REQUIRE_TOOL("dtc");
  TempDir t;
  write_file(t / "t.dts", kDts);
  random_bytes(t, "k", 9000);
  ASSERT_EQ(run("cd " + t.str() +
                " && gzip -k k && dtc -q -I dts -O dtb -o t.dtb t.dts && "
                "mkimage -E -f auto -A arm -O linux -T kernel -C gzip -a 0x8000 -e 0x8000 "
                "-d k.gz -b t.dtb fit.itb >/dev/null"),
            0);
  std::string fit = read_file(t / "fit.itb");
  auto h = parse_fdt_header(view_of(fit));
  ASSERT_TRUE(h);
  ASSERT_LT(h->total_size, fit.size());  // the images really are outside the blob
  auto p = probe_fdt(view_of(fit + std::string(64, '\xff')));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kFit);
  EXPECT_EQ(p->length, fit.size());
  auto o = open_with(make_fdt_unpacker(), fit, Kind::kFit);
  ASSERT_EQ(o.sink->members.size(), 2u);
  EXPECT_EQ(o.find("kernel-1")->data(), read_file(t / "k.gz"));
  EXPECT_EQ(o.find("kernel-1")->meta.kind_hint, Kind::kGzip);
  EXPECT_EQ(o.find("fdt-1")->data(), read_file(t / "t.dtb"));

  // Cut inside the external data: the blob itself is intact, the images past the end are
  // reported, not emitted.
  std::string cut = fit.substr(0, h->total_size + 100);
  auto o2 = open_with(make_fdt_unpacker(), cut, Kind::kFit);
  EXPECT_TRUE(o2.has_diag("past the end"));
  EXPECT_FALSE(o2.find("kernel-1"));
}

// ---------------------------------------------------------------------------------------------
// UBI

std::uint32_t ubi_crc(std::string_view s) { return ~zcrc(s); }
void put_be32(std::string& s, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

class UbiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_tool("ubinize")) GTEST_SKIP() << "tool not installed: ubinize";
    stat_ = random_bytes(t_, "s.bin", 40000);
    dyn_ = random_bytes(t_, "d.bin", 50001);
    write_file(t_ / "cfg.ini",
               "[static]\nmode=ubi\nimage=s.bin\nvol_id=0\nvol_type=static\nvol_name=firmware\n"
               "[dyn]\nmode=ubi\nimage=d.bin\nvol_id=1\nvol_type=dynamic\nvol_size=256KiB\n"
               "vol_name=rootfs\nvol_flags=autoresize\n");
    ASSERT_EQ(run("cd " + t_.str() + " && " + kPath +
                  "ubinize -o out.ubi -p 16KiB -m 512 -s 512 cfg.ini 2>/dev/null"),
              0);
    img_ = read_file(t_ / "out.ubi");
  }
  static constexpr std::size_t kPeb = 16384;
  static constexpr std::size_t kLeb = kPeb - 1024;  // EC header and VID header in 512-byte units
  TempDir t_;
  std::string stat_, dyn_, img_;
};

TEST_F(UbiTest, StaticAndDynamicVolumes) {
  auto p = probe_ubi(view_of(img_ + std::string(3 * kPeb, '\xff')));  // erased tail not counted
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::kUbi);
  EXPECT_EQ(p->length, img_.size());
  auto o = open_with(make_ubi_unpacker(), img_, Kind::kUbi);
  ASSERT_TRUE(o.status.ok());
  EXPECT_TRUE(o.sink->diags.empty());
  ASSERT_EQ(o.sink->members.size(), 2u);
  ASSERT_TRUE(o.find("firmware.ubivol"));
  EXPECT_TRUE(o.find("firmware.ubivol")->data() == stat_);  // static: exact data size
  ASSERT_TRUE(o.find("rootfs.ubivol"));
  std::string dyn = o.find("rootfs.ubivol")->data();
  ASSERT_EQ(dyn.size(), 4 * kLeb);  // dynamic: whole LEBs, the tail erased
  EXPECT_TRUE(dyn.substr(0, dyn_.size()) == dyn_);
  EXPECT_EQ(dyn.find_first_not_of('\xff', dyn_.size()), std::string::npos);
}

TEST_F(UbiTest, NewestCopyOfALebWinsAndCorruptHeaderRejected) {
  // Find the PEB holding LEB 0 of volume 0 and append a copy with new data and a higher sqnum.
  std::size_t src = std::string::npos;
  for (std::size_t off = 0; off + kPeb <= img_.size(); off += kPeb) {
    std::string_view vid = std::string_view(img_).substr(off + 512, 64);
    if (vid.substr(0, 4) == "UBI!" && vid.substr(8, 4) == std::string(4, '\0') &&
        vid.substr(12, 4) == std::string(4, '\0'))
      src = off;
  }
  ASSERT_NE(src, std::string::npos);
  std::string peb = img_.substr(src, kPeb);
  std::memset(peb.data() + 1024, 'Z', 100);
  put_be32(peb, 512 + 44, 0x7fffffff);  // sqnum (low word)
  put_be32(peb, 512 + 60, ubi_crc(std::string_view(peb).substr(512, 60)));
  std::string img = img_ + peb;
  auto o = open_with(make_ubi_unpacker(), img, Kind::kUbi);
  ASSERT_TRUE(o.find("firmware.ubivol"));
  std::string fw = o.find("firmware.ubivol")->data();
  ASSERT_EQ(fw.size(), stat_.size());
  EXPECT_EQ(fw.substr(0, 100), std::string(100, 'Z'));
  EXPECT_TRUE(fw.substr(100) == stat_.substr(100));

  std::string bad = img_;
  bad[20] ^= 0x01;  // EC header of the first PEB: CRC no longer matches
  EXPECT_FALSE(probe_ubi(view_of(bad)));
  auto o2 = open_with(make_ubi_unpacker(), bad, Kind::kUbi);
  EXPECT_FALSE(o2.status.ok());

  std::string cut = img_.substr(0, img_.size() - kPeb / 2);
  auto o3 = open_with(make_ubi_unpacker(), cut, Kind::kUbi);
  EXPECT_TRUE(o3.status.ok());  // the last PEB is gone: what remains is still extracted
  EXPECT_GE(o3.sink->members.size(), 1u);
}

TEST(Registry, FirmwareUnpackersAndSignaturesRegistered) {
  for (Kind k : {Kind::kUImage, Kind::kTrx, Kind::kAndroidSparse, Kind::kAndroidBoot, Kind::kFit,
                 Kind::kDeviceTree, Kind::kUbi})
    EXPECT_NE(find_unpacker(k), nullptr) << kind_name(k);
}

}  // namespace
}  // namespace assay::unpack
