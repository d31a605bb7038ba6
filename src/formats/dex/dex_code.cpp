#include "formats/dex/dex_code.hpp"

#include <array>

namespace assay::dex {
namespace {

using F = Format;

constexpr std::uint8_t units_of(Format f) {
  switch (f) {
    case F::k10x: case F::k12x: case F::k11n: case F::k11x: case F::k10t: return 1;
    case F::k20t: case F::k20bc: case F::k22x: case F::k21t: case F::k21s: case F::k21h: case F::k21c:
    case F::k23x: case F::k22b: case F::k22t: case F::k22s: case F::k22c: case F::k22cs: return 2;
    case F::k30t: case F::k32x: case F::k31i: case F::k31t: case F::k31c: case F::k35c: case F::k35ms:
    case F::k35mi: case F::k3rc: case F::k3rms: case F::k3rmi: return 3;
    case F::k45cc: case F::k4rcc: return 4;
    case F::k51l: return 5;
  }
  return 1;
}

struct Row {
  std::uint8_t first, last;
  Format format;
  std::array<const char*, 32> names;  // names[i] for opcode first + i
};

// The Dalvik opcode table (source.android.com/docs/core/runtime/dalvik-bytecode), grouped by
// runs of one format.
constexpr Row kRows[] = {
    {0x00, 0x00, F::k10x, {"nop"}},
    {0x01, 0x01, F::k12x, {"move"}},
    {0x02, 0x02, F::k22x, {"move/from16"}},
    {0x03, 0x03, F::k32x, {"move/16"}},
    {0x04, 0x04, F::k12x, {"move-wide"}},
    {0x05, 0x05, F::k22x, {"move-wide/from16"}},
    {0x06, 0x06, F::k32x, {"move-wide/16"}},
    {0x07, 0x07, F::k12x, {"move-object"}},
    {0x08, 0x08, F::k22x, {"move-object/from16"}},
    {0x09, 0x09, F::k32x, {"move-object/16"}},
    {0x0a, 0x0d, F::k11x, {"move-result", "move-result-wide", "move-result-object", "move-exception"}},
    {0x0e, 0x0e, F::k10x, {"return-void"}},
    {0x0f, 0x11, F::k11x, {"return", "return-wide", "return-object"}},
    {0x12, 0x12, F::k11n, {"const/4"}},
    {0x13, 0x13, F::k21s, {"const/16"}},
    {0x14, 0x14, F::k31i, {"const"}},
    {0x15, 0x15, F::k21h, {"const/high16"}},
    {0x16, 0x16, F::k21s, {"const-wide/16"}},
    {0x17, 0x17, F::k31i, {"const-wide/32"}},
    {0x18, 0x18, F::k51l, {"const-wide"}},
    {0x19, 0x19, F::k21h, {"const-wide/high16"}},
    {0x1a, 0x1a, F::k21c, {"const-string"}},
    {0x1b, 0x1b, F::k31c, {"const-string/jumbo"}},
    {0x1c, 0x1c, F::k21c, {"const-class"}},
    {0x1d, 0x1e, F::k11x, {"monitor-enter", "monitor-exit"}},
    {0x1f, 0x1f, F::k21c, {"check-cast"}},
    {0x20, 0x20, F::k22c, {"instance-of"}},
    {0x21, 0x21, F::k12x, {"array-length"}},
    {0x22, 0x22, F::k21c, {"new-instance"}},
    {0x23, 0x23, F::k22c, {"new-array"}},
    {0x24, 0x24, F::k35c, {"filled-new-array"}},
    {0x25, 0x25, F::k3rc, {"filled-new-array/range"}},
    {0x26, 0x26, F::k31t, {"fill-array-data"}},
    {0x27, 0x27, F::k11x, {"throw"}},
    {0x28, 0x28, F::k10t, {"goto"}},
    {0x29, 0x29, F::k20t, {"goto/16"}},
    {0x2a, 0x2a, F::k30t, {"goto/32"}},
    {0x2b, 0x2c, F::k31t, {"packed-switch", "sparse-switch"}},
    {0x2d, 0x31, F::k23x, {"cmpl-float", "cmpg-float", "cmpl-double", "cmpg-double", "cmp-long"}},
    {0x32, 0x37, F::k22t, {"if-eq", "if-ne", "if-lt", "if-ge", "if-gt", "if-le"}},
    {0x38, 0x3d, F::k21t, {"if-eqz", "if-nez", "if-ltz", "if-gez", "if-gtz", "if-lez"}},
    {0x3e, 0x43, F::k10x, {"unused-3e", "unused-3f", "unused-40", "unused-41", "unused-42", "unused-43"}},
    {0x44, 0x51, F::k23x, {"aget", "aget-wide", "aget-object", "aget-boolean", "aget-byte", "aget-char",
                           "aget-short", "aput", "aput-wide", "aput-object", "aput-boolean", "aput-byte",
                           "aput-char", "aput-short"}},
    {0x52, 0x5f, F::k22c, {"iget", "iget-wide", "iget-object", "iget-boolean", "iget-byte", "iget-char",
                           "iget-short", "iput", "iput-wide", "iput-object", "iput-boolean", "iput-byte",
                           "iput-char", "iput-short"}},
    {0x60, 0x6d, F::k21c, {"sget", "sget-wide", "sget-object", "sget-boolean", "sget-byte", "sget-char",
                           "sget-short", "sput", "sput-wide", "sput-object", "sput-boolean", "sput-byte",
                           "sput-char", "sput-short"}},
    {0x6e, 0x72, F::k35c, {"invoke-virtual", "invoke-super", "invoke-direct", "invoke-static", "invoke-interface"}},
    {0x73, 0x73, F::k10x, {"unused-73"}},
    {0x74, 0x78, F::k3rc, {"invoke-virtual/range", "invoke-super/range", "invoke-direct/range",
                           "invoke-static/range", "invoke-interface/range"}},
    {0x79, 0x7a, F::k10x, {"unused-79", "unused-7a"}},
    {0x7b, 0x8f, F::k12x, {"neg-int", "not-int", "neg-long", "not-long", "neg-float", "neg-double",
                           "int-to-long", "int-to-float", "int-to-double", "long-to-int", "long-to-float",
                           "long-to-double", "float-to-int", "float-to-long", "float-to-double",
                           "double-to-int", "double-to-long", "double-to-float", "int-to-byte",
                           "int-to-char", "int-to-short"}},
    {0x90, 0xaf, F::k23x, {"add-int", "sub-int", "mul-int", "div-int", "rem-int", "and-int", "or-int",
                           "xor-int", "shl-int", "shr-int", "ushr-int", "add-long", "sub-long", "mul-long",
                           "div-long", "rem-long", "and-long", "or-long", "xor-long", "shl-long", "shr-long",
                           "ushr-long", "add-float", "sub-float", "mul-float", "div-float", "rem-float",
                           "add-double", "sub-double", "mul-double", "div-double", "rem-double"}},
    {0xb0, 0xcf, F::k12x, {"add-int/2addr", "sub-int/2addr", "mul-int/2addr", "div-int/2addr",
                           "rem-int/2addr", "and-int/2addr", "or-int/2addr", "xor-int/2addr",
                           "shl-int/2addr", "shr-int/2addr", "ushr-int/2addr", "add-long/2addr",
                           "sub-long/2addr", "mul-long/2addr", "div-long/2addr", "rem-long/2addr",
                           "and-long/2addr", "or-long/2addr", "xor-long/2addr", "shl-long/2addr",
                           "shr-long/2addr", "ushr-long/2addr", "add-float/2addr", "sub-float/2addr",
                           "mul-float/2addr", "div-float/2addr", "rem-float/2addr", "add-double/2addr",
                           "sub-double/2addr", "mul-double/2addr", "div-double/2addr", "rem-double/2addr"}},
    {0xd0, 0xd7, F::k22s, {"add-int/lit16", "rsub-int", "mul-int/lit16", "div-int/lit16", "rem-int/lit16",
                           "and-int/lit16", "or-int/lit16", "xor-int/lit16"}},
    {0xd8, 0xe2, F::k22b, {"add-int/lit8", "rsub-int/lit8", "mul-int/lit8", "div-int/lit8", "rem-int/lit8",
                           "and-int/lit8", "or-int/lit8", "xor-int/lit8", "shl-int/lit8", "shr-int/lit8",
                           "ushr-int/lit8"}},
    {0xe3, 0xf9, F::k10x, {"unused-e3", "unused-e4", "unused-e5", "unused-e6", "unused-e7", "unused-e8",
                           "unused-e9", "unused-ea", "unused-eb", "unused-ec", "unused-ed", "unused-ee",
                           "unused-ef", "unused-f0", "unused-f1", "unused-f2", "unused-f3", "unused-f4",
                           "unused-f5", "unused-f6", "unused-f7", "unused-f8", "unused-f9"}},
    {0xfa, 0xfa, F::k45cc, {"invoke-polymorphic"}},
    {0xfb, 0xfb, F::k4rcc, {"invoke-polymorphic/range"}},
    {0xfc, 0xfc, F::k35c, {"invoke-custom"}},
    {0xfd, 0xfd, F::k3rc, {"invoke-custom/range"}},
    {0xfe, 0xff, F::k21c, {"const-method-handle", "const-method-type"}},
};

constexpr std::array<OpcodeInfo, 256> make_table() {
  std::array<OpcodeInfo, 256> t{};
  for (const Row& r : kRows)
    for (unsigned op = r.first; op <= r.last; ++op)
      t[op] = OpcodeInfo{r.names[op - r.first], r.format, units_of(r.format)};
  return t;
}
constexpr std::array<OpcodeInfo, 256> kTable = make_table();
static_assert(kTable[0xff].name != nullptr && kTable[0x73].units == 1 && kTable[0x18].units == 5);

// Opcodes that write vA as a wide (two-register) value.
constexpr bool writes_wide(std::uint8_t op) {
  return op == 0x04 || op == 0x05 || op == 0x06 || op == 0x0b || (op >= 0x16 && op <= 0x19) || op == 0x45 ||
         op == 0x53 || op == 0x61 || op == 0x7d || op == 0x7e || op == 0x80 || op == 0x81 || op == 0x83 ||
         op == 0x86 || op == 0x88 || op == 0x89 || op == 0x8b || (op >= 0x9b && op <= 0xa5) ||
         (op >= 0xab && op <= 0xaf) || (op >= 0xbb && op <= 0xc5) || (op >= 0xcb && op <= 0xcf);
}

// Opcodes whose vA is a destination (the value there is replaced).
constexpr bool writes_a(std::uint8_t op) {
  return (op >= 0x01 && op <= 0x0d) || (op >= 0x12 && op <= 0x1c) || (op >= 0x1f && op <= 0x23) ||
         (op >= 0x2d && op <= 0x31) || (op >= 0x44 && op <= 0x4a) || (op >= 0x52 && op <= 0x58) ||
         (op >= 0x60 && op <= 0x66) || (op >= 0x7b && op <= 0xe2) || op == 0xfe || op == 0xff;
}

// The walker's view of the insns array: code units by index, bounds checked by the caller
// against `n` before any unit of an instruction is read.
struct Units {
  const std::uint8_t* p;
  std::uint32_t n;
  std::uint16_t at(std::uint32_t i) const noexcept { return load_unchecked<std::uint16_t>(p + 2 * std::size_t{i}, Endian::kLittle); }
  std::uint32_t u32_at(std::uint32_t i) const noexcept { return at(i) | (std::uint32_t{at(i + 1)} << 16); }
};

// Length in code units of the payload at `pc` (ident already checked), or 0 when it does not fit.
std::uint64_t payload_units(const Units& u, std::uint32_t pc, std::uint16_t ident) {
  std::uint64_t len = 0;
  if (ident == kPackedSwitchPayload) {
    if (std::uint64_t{pc} + 2 > u.n) return 0;
    len = 4 + std::uint64_t{u.at(pc + 1)} * 2;
  } else if (ident == kSparseSwitchPayload) {
    if (std::uint64_t{pc} + 2 > u.n) return 0;
    len = 2 + std::uint64_t{u.at(pc + 1)} * 4;
  } else {
    if (std::uint64_t{pc} + 4 > u.n) return 0;
    std::uint64_t width = u.at(pc + 1);
    std::uint64_t count = u.u32_at(pc + 2);
    len = 4 + (width * count + 1) / 2;  // < 2^49: no overflow in 64 bits
  }
  return std::uint64_t{pc} + len <= u.n ? len : 0;
}

std::uint16_t payload_ident_at(const Units& u, std::uint32_t pc) {
  std::uint16_t w = u.at(pc);
  return (w == kPackedSwitchPayload || w == kSparseSwitchPayload || w == kFillArrayDataPayload) ? w : 0;
}

void mark(std::vector<std::uint8_t>& targets, std::int64_t target) {
  if (target >= 0 && static_cast<std::uint64_t>(target) < targets.size()) targets[static_cast<std::size_t>(target)] = 1;
}

// First pass: the branch targets (goto, if-*, switch cases), where the tracker forgets.
void find_targets(const Units& u, std::vector<std::uint8_t>& targets) {
  std::uint32_t pc = 0;
  while (pc < u.n) {
    std::uint16_t w = u.at(pc);
    auto op = static_cast<std::uint8_t>(w & 0xFF);
    if (op == 0) {
      if (std::uint16_t ident = payload_ident_at(u, pc)) {
        std::uint64_t len = payload_units(u, pc, ident);
        if (len == 0) return;
        pc += static_cast<std::uint32_t>(len);
        continue;
      }
    }
    const OpcodeInfo& info = kTable[op];
    if (std::uint64_t{pc} + info.units > u.n) return;
    const std::int64_t here = pc;
    switch (info.format) {
      case F::k10t: mark(targets, here + static_cast<std::int8_t>(w >> 8)); break;
      case F::k20t: mark(targets, here + static_cast<std::int16_t>(u.at(pc + 1))); break;
      case F::k30t: mark(targets, here + static_cast<std::int32_t>(u.u32_at(pc + 1))); break;
      case F::k22t:
      case F::k21t: mark(targets, here + static_cast<std::int16_t>(u.at(pc + 1))); break;
      case F::k31t:
        if (op == 0x2b || op == 0x2c) {
          std::int64_t p = here + static_cast<std::int32_t>(u.u32_at(pc + 1));
          if (p < 0 || p >= u.n) break;
          auto ppc = static_cast<std::uint32_t>(p);
          std::uint16_t ident = u.at(ppc);
          if (ident != (op == 0x2b ? kPackedSwitchPayload : kSparseSwitchPayload)) break;
          if (payload_units(u, ppc, ident) == 0) break;
          std::uint32_t size = u.at(ppc + 1);
          std::uint32_t first = op == 0x2b ? ppc + 4 : ppc + 2 + size * 2;
          for (std::uint32_t i = 0; i < size; ++i) mark(targets, here + static_cast<std::int32_t>(u.u32_at(first + 2 * i)));
        }
        break;
      default: break;
    }
    pc += info.units;
  }
}

// A Dalvik method takes at most 255 argument registers plus `this`; more is malformed, and
// seeding is skipped so that a reset never costs more than this.
constexpr std::uint16_t kMaxSeededParams = 256;

// Register state for one method. A reset starts a new generation: every slot whose generation
// differs is unknown, so forgetting all registers is O(1) however many the method declares.
class Tracker {
 public:
  Tracker(WalkScratch& s, const CodeItem& code, bool seed) : s_(s), n_(code.registers_size) {
    if (s_.regs.size() < n_) s_.regs.resize(n_);
    if (seed && code.ins_size <= code.registers_size && code.ins_size <= kMaxSeededParams) {
      first_param_ = static_cast<std::uint32_t>(code.registers_size - code.ins_size);
      s_.param_written.assign(code.ins_size, 0);
    } else {
      first_param_ = n_;
      s_.param_written.clear();
    }
    reset();
  }
  void reset() {
    if (++s_.generation == 0) {  // wrapped: clear the slots once, then generations are fresh again
      for (auto& slot : s_.regs) slot.generation = 0;
      s_.generation = 1;
    }
    // Parameters the method has not overwritten still hold the caller's values.
    for (std::uint32_t r = first_param_; r < n_; ++r) {
      if (s_.param_written[r - first_param_]) continue;
      Value v;
      v.kind = Value::Kind::kParam;
      v.index = r - first_param_;
      s_.regs[r].value = v;
      s_.regs[r].generation = s_.generation;
    }
  }
  const Value& get(std::uint32_t r) const {
    static const Value kUnknown{};
    if (r >= n_ || s_.regs[r].generation != s_.generation) return kUnknown;
    return s_.regs[r].value;
  }
  void set(std::uint32_t r, const Value& v) {
    if (r >= n_) return;
    s_.regs[r].value = v;
    s_.regs[r].generation = s_.generation;
    if (r >= first_param_) s_.param_written[r - first_param_] = 1;
  }
  void clear(std::uint32_t r) {
    if (r >= n_) return;
    s_.regs[r].generation = 0;
    if (r >= first_param_) s_.param_written[r - first_param_] = 1;
  }
  Value* mutable_value(std::uint32_t r) {
    if (r >= n_ || s_.regs[r].generation != s_.generation) return nullptr;
    return &s_.regs[r].value;
  }

 private:
  WalkScratch& s_;
  std::uint32_t n_;
  std::uint32_t first_param_ = 0;
};

constexpr bool is_unused(std::uint8_t op) {
  return (op >= 0x3e && op <= 0x43) || op == 0x73 || op == 0x79 || op == 0x7a || (op >= 0xe3 && op <= 0xf9);
}

}  // namespace

const OpcodeInfo& opcode_info(std::uint8_t opcode) noexcept { return kTable[opcode]; }

WalkStats walk_code(const CodeItem& code, CodeVisitor& visitor, WalkScratch& scratch, bool seed_parameters) {
  WalkStats stats;
  const Units u{code.insns.data(), static_cast<std::uint32_t>(code.insns.size() / 2)};
  scratch.targets.assign(u.n, 0);
  find_targets(u, scratch.targets);
  Tracker regs(scratch, code, seed_parameters);
  Value pending;  // what the last invoke returned, for a move-result right after it
  bool pending_valid = false;

  std::uint32_t pc = 0;
  while (pc < u.n) {
    if (scratch.targets[pc]) regs.reset();
    const std::uint16_t w = u.at(pc);
    const auto op = static_cast<std::uint8_t>(w & 0xFF);
    if (op == 0) {
      if (std::uint16_t ident = payload_ident_at(u, pc)) {
        std::uint64_t len = payload_units(u, pc, ident);
        if (len == 0) {
          stats.truncated = true;
          break;
        }
        ++stats.instructions;
        if (visitor.wants_instructions) visitor.on_instruction(pc, 0, ident);
        pc += static_cast<std::uint32_t>(len);
        continue;
      }
    }
    const OpcodeInfo& info = kTable[op];
    if (std::uint64_t{pc} + info.units > u.n) {
      stats.truncated = true;
      break;
    }
    ++stats.instructions;
    if (visitor.wants_instructions) visitor.on_instruction(pc, op, 0);
    if (is_unused(op)) ++stats.unused_opcodes;

    const std::uint32_t a8 = w >> 8;         // AA
    const std::uint32_t a4 = (w >> 8) & 0xF;  // A of B|A
    const std::uint32_t b4 = w >> 12;         // B of B|A
    const bool had_pending = pending_valid;
    pending_valid = false;
    // One invoke, whichever of the two register encodings (35c/45cc, 3rc/4rcc) gathered its
    // arguments into scratch.args.
    auto invoke = [&](std::uint8_t static_op, std::uint8_t poly_op, std::uint8_t custom_op) {
      Invocation call;
      call.pc = pc;
      call.opcode = op;
      call.index = u.at(pc + 1);
      call.proto_idx = op == poly_op ? u.at(pc + 3) : 0;
      call.is_static = op == static_op || op == custom_op;
      call.is_custom = op == custom_op;
      call.args = scratch.args;
      pending = visitor.on_invoke(call);
      if (pending.is(Value::Kind::kUnknown) && !call.is_custom) {
        pending.kind = Value::Kind::kResult;
        pending.index = call.index;
      }
      pending_valid = true;
    };

    switch (op) {
      // moves copy what the tracker knows
      case 0x01: case 0x07: regs.set(a4, regs.get(b4)); break;
      case 0x02: case 0x08: regs.set(a8, regs.get(u.at(pc + 1))); break;
      case 0x03: case 0x09: regs.set(u.at(pc + 1), regs.get(u.at(pc + 2))); break;
      case 0x04: case 0x05: case 0x06: {  // wide moves: a pair of registers; only the low one is tracked
        std::uint32_t dst = op == 0x04 ? a4 : op == 0x05 ? a8 : u.at(pc + 1);
        std::uint32_t src = op == 0x04 ? b4 : op == 0x05 ? u.at(pc + 1) : u.at(pc + 2);
        Value v = regs.get(src);
        regs.set(dst, v);
        regs.clear(dst + 1);
        break;
      }
      case 0x0a: case 0x0b: case 0x0c:
        regs.set(a8, had_pending ? pending : Value{});
        if (op == 0x0b) regs.clear(a8 + 1);
        break;
      case 0x0e: visitor.on_return(pc, Value{}); regs.reset(); break;
      case 0x0f: case 0x10: case 0x11: visitor.on_return(pc, regs.get(a8)); regs.reset(); break;
      case 0x12: {
        Value v;
        v.kind = Value::Kind::kInt;
        v.number = static_cast<std::int8_t>(static_cast<std::uint8_t>(b4 << 4)) >> 4;
        regs.set(a4, v);
        break;
      }
      case 0x13: case 0x16: {
        Value v;
        v.kind = Value::Kind::kInt;
        v.number = static_cast<std::int16_t>(u.at(pc + 1));
        regs.set(a8, v);
        if (op == 0x16) regs.clear(a8 + 1);
        break;
      }
      case 0x14: case 0x17: {
        Value v;
        v.kind = Value::Kind::kInt;
        v.number = static_cast<std::int32_t>(u.u32_at(pc + 1));
        regs.set(a8, v);
        if (op == 0x17) regs.clear(a8 + 1);
        break;
      }
      case 0x15: {
        Value v;
        v.kind = Value::Kind::kInt;
        v.number = static_cast<std::int32_t>(std::uint32_t{u.at(pc + 1)} << 16);
        regs.set(a8, v);
        break;
      }
      case 0x18: case 0x19: {
        Value v;
        v.kind = Value::Kind::kInt;
        if (op == 0x18)
          v.number = static_cast<std::int64_t>(std::uint64_t{u.u32_at(pc + 1)} | (std::uint64_t{u.u32_at(pc + 3)} << 32));
        else
          v.number = static_cast<std::int64_t>(std::uint64_t{u.at(pc + 1)} << 48);
        regs.set(a8, v);
        regs.clear(a8 + 1);
        break;
      }
      case 0x1a: case 0x1b: {
        Value v;
        v.kind = Value::Kind::kString;
        v.index = op == 0x1a ? u.at(pc + 1) : u.u32_at(pc + 1);
        regs.set(a8, v);
        visitor.on_const_string(pc, static_cast<std::uint16_t>(a8), v.index);
        break;
      }
      case 0x1c: {
        Value v;
        v.kind = Value::Kind::kClass;
        v.index = u.at(pc + 1);
        regs.set(a8, v);
        break;
      }
      case 0x1f: break;  // check-cast narrows the static type; the value stays what it was
      case 0x22: {
        Value v;
        v.kind = Value::Kind::kNewInstance;
        v.index = u.at(pc + 1);
        regs.set(a8, v);
        break;
      }
      case 0x23: {
        Value v;
        v.kind = Value::Kind::kArray;
        v.index = u.at(pc + 1);
        const Value& len = regs.get(b4);
        v.number = len.is(Value::Kind::kInt) ? len.number : -1;
        regs.set(a4, v);
        break;
      }
      case 0x26: {
        std::int64_t p = static_cast<std::int64_t>(pc) + static_cast<std::int32_t>(u.u32_at(pc + 1));
        if (p >= 0 && p < u.n && u.at(static_cast<std::uint32_t>(p)) == kFillArrayDataPayload) {
          auto ppc = static_cast<std::uint32_t>(p);
          if (payload_units(u, ppc, kFillArrayDataPayload) != 0) {
            Value* arr = regs.mutable_value(a8);
            Value v = arr != nullptr && arr->is(Value::Kind::kArray) ? *arr : Value{};
            v.kind = Value::Kind::kArray;
            v.element_width = u.at(ppc + 1);
            std::uint64_t count = u.u32_at(ppc + 2);
            v.array_data = code.insns.subspan(std::size_t{ppc + 4} * 2, static_cast<std::size_t>(count * v.element_width));
            v.number = static_cast<std::int64_t>(count);
            regs.set(a8, v);
          }
        }
        break;
      }
      case 0x27: regs.reset(); break;  // throw
      case 0x28: case 0x29: case 0x2a: regs.reset(); break;  // goto: what follows is reached by a branch
      default:
        if (op >= 0x52 && op <= 0x5f) {  // iget / iput
          std::uint32_t field = u.at(pc + 1);
          if (op <= 0x58) {
            visitor.on_field(pc, op, field, false, Value{});
            Value v;
            v.kind = Value::Kind::kInstanceField;
            v.index = field;
            regs.set(a4, v);
            if (op == 0x53) regs.clear(a4 + 1);
          } else {
            visitor.on_field(pc, op, field, true, regs.get(a4));
          }
        } else if (op >= 0x60 && op <= 0x6d) {  // sget / sput
          std::uint32_t field = u.at(pc + 1);
          if (op <= 0x66) {
            visitor.on_field(pc, op, field, false, Value{});
            Value v;
            v.kind = Value::Kind::kStaticField;
            v.index = field;
            regs.set(a8, v);
            if (op == 0x61) regs.clear(a8 + 1);
          } else {
            visitor.on_field(pc, op, field, true, regs.get(a8));
          }
        } else if ((op >= 0x6e && op <= 0x72) || op == 0xfa || op == 0xfc) {  // 35c / 45cc
          std::uint32_t count = a8 >> 4;
          if (count > 5) count = 5;  // malformed; the format has room for five
          const std::uint16_t regs_word = u.at(pc + 2);
          const std::uint32_t r[5] = {regs_word & 0xFu, (regs_word >> 4) & 0xFu, (regs_word >> 8) & 0xFu,
                                      (regs_word >> 12) & 0xFu, a8 & 0xFu};
          scratch.args.clear();
          for (std::uint32_t i = 0; i < count; ++i) scratch.args.push_back(regs.get(r[i]));
          invoke(/*static_op=*/0x71, /*poly_op=*/0xfa, /*custom_op=*/0xfc);
        } else if ((op >= 0x74 && op <= 0x78) || op == 0xfb || op == 0xfd) {  // 3rc / 4rcc
          const std::uint32_t first = u.at(pc + 2);
          scratch.args.clear();
          for (std::uint32_t i = 0; i < a8; ++i) scratch.args.push_back(regs.get(first + i));
          invoke(/*static_op=*/0x77, /*poly_op=*/0xfb, /*custom_op=*/0xfd);
        } else if (writes_a(op)) {
          // Any other destination: the tracker no longer knows what it holds.
          std::uint32_t dst = (info.format == F::k12x || info.format == F::k22c || info.format == F::k22s ||
                               info.format == F::k22t || info.format == F::k11n)
                                  ? a4
                                  : a8;
          regs.clear(dst);
          if (writes_wide(op)) regs.clear(dst + 1);
        }
        break;
    }
    pc += info.units;
  }
  return stats;
}

}  // namespace assay::dex
