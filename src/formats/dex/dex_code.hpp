#pragma once
/// \file dex_code.hpp
/// The Dalvik bytecode walk: every opcode's format and length (the "Dalvik instruction formats"
/// table), payload pseudo-instructions (packed-switch, sparse-switch, fill-array-data) skipped by
/// their sizes, and a straight-line register tracker that knows, for each register, the last
/// constant written to it (a string, an integer, a new array with its fill-array-data bytes, a
/// field read, a class literal, or a value the visitor returned for an earlier invoke).
///
/// The tracker is deliberately simple: it forgets every register at each branch target and after
/// each unconditional transfer (goto, return, throw), so a value reported for an argument is one
/// that reaches that instruction on the straight-line path. It never follows calls. This is what
/// "which constant reaches Cipher.getInstance" needs, at one pass over the code and no allocation
/// per instruction (register resets are O(1): a generation counter).
///
/// Usage: derive from CodeVisitor, override what you need, call `walk_code` per code item with a
/// WalkScratch reused across methods.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "formats/dex/dex.hpp"

namespace assay::dex {

/// Dalvik instruction formats (dalvik-bytecode / instruction-formats): the name says the size in
/// code units (first digit) and the operand layout.
enum class Format : std::uint8_t {
  k10x, k12x, k11n, k11x, k10t, k20t, k20bc, k22x, k21t, k21s, k21h, k21c, k23x, k22b, k22t, k22s,
  k22c, k22cs, k30t, k32x, k31i, k31t, k31c, k35c, k35ms, k35mi, k3rc, k3rms, k3rmi, k45cc, k4rcc,
  k51l,
};

struct OpcodeInfo {
  const char* name;  ///< dexdump's mnemonic ("invoke-virtual/range")
  Format format;
  std::uint8_t units;  ///< instruction length in 16-bit code units
};

/// The table entry of `opcode` (every byte value has one; unused opcodes are "unused-XX", 10x).
const OpcodeInfo& opcode_info(std::uint8_t opcode) noexcept;

/// Payload pseudo-instruction idents (the whole first code unit).
inline constexpr std::uint16_t kPackedSwitchPayload = 0x0100;
inline constexpr std::uint16_t kSparseSwitchPayload = 0x0200;
inline constexpr std::uint16_t kFillArrayDataPayload = 0x0300;

/// What a register holds, as far as the straight-line walk can tell.
struct Value {
  enum class Kind : std::uint8_t {
    kUnknown,
    kString,       ///< const-string: index = string idx
    kInt,          ///< const*: number (wide constants too)
    kArray,        ///< new-array: index = type idx, number = length (-1 unknown), array_data after fill-array-data
    kStaticField,  ///< sget*: index = field idx
    kInstanceField,///< iget*: index = field idx
    kNewInstance,  ///< new-instance: index = type idx
    kClass,        ///< const-class: index = type idx
    kResult,       ///< the result of an invoke the visitor did not describe: index = method idx
    kParam,        ///< an incoming argument: index = its register position among the ins (0 = first)
  };
  Kind kind = Kind::kUnknown;
  /// Free for the visitor: a value it returns from on_invoke may carry its own tag (for example
  /// "the bytes of constant string N" after String.getBytes).
  std::uint16_t tag = 0;
  std::uint16_t element_width = 0;  ///< fill-array-data element size in bytes
  std::uint32_t index = 0;
  std::int64_t number = 0;
  ByteView array_data;  ///< fill-array-data elements, in place

  bool is(Kind k) const noexcept { return kind == k; }
};

/// One invoke-* instruction.
struct Invocation {
  std::uint32_t pc = 0;      ///< in code units from the start of the method
  std::uint8_t opcode = 0;
  std::uint32_t index = 0;   ///< method idx (call-site idx for invoke-custom)
  std::uint32_t proto_idx = 0;  ///< invoke-polymorphic only
  bool is_static = false;
  bool is_custom = false;    ///< invoke-custom: `index` names a call site, not a method
  /// The values of the argument registers in order (the receiver first for non-static calls; a
  /// wide argument takes two entries).
  std::span<const Value> args;
};

class CodeVisitor {
 public:
  virtual ~CodeVisitor() = default;
  /// Every instruction (only when `wants_instructions` is set): opcode, or for a payload the
  /// opcode 0 with `payload_ident` 0x0100/0x0200/0x0300.
  virtual void on_instruction(std::uint32_t pc, std::uint8_t opcode, std::uint16_t payload_ident) {
    (void)pc, (void)opcode, (void)payload_ident;
  }
  /// An invoke. The returned value is what a following move-result* receives (kUnknown: the
  /// walker records kResult with the method index).
  virtual Value on_invoke(const Invocation& call) {
    (void)call;
    return {};
  }
  /// const-string / const-string/jumbo.
  virtual void on_const_string(std::uint32_t pc, std::uint16_t reg, std::uint32_t string_idx) {
    (void)pc, (void)reg, (void)string_idx;
  }
  /// sget*/iget* (write false, value = nothing) and sput*/iput* (write true, value = what is stored).
  virtual void on_field(std::uint32_t pc, std::uint8_t opcode, std::uint32_t field_idx, bool write,
                        const Value& value) {
    (void)pc, (void)opcode, (void)field_idx, (void)write, (void)value;
  }
  /// return, return-object, return-wide (return-void gives kUnknown).
  virtual void on_return(std::uint32_t pc, const Value& value) { (void)pc, (void)value; }

  bool wants_instructions = false;
};

/// Buffers reused across methods (one per thread).
struct WalkScratch {
  struct Slot {
    Value value;
    std::uint32_t generation = 0;
  };
  std::vector<Slot> regs;
  std::vector<std::uint8_t> targets;
  std::vector<Value> args;
  std::vector<std::uint8_t> param_written;
  std::uint32_t generation = 0;  ///< the walker's register-reset counter
};

struct WalkStats {
  std::uint32_t instructions = 0;  ///< including payloads
  std::uint32_t unused_opcodes = 0;
  bool truncated = false;  ///< an instruction or payload ran past insns_size
};

/// Walks one method body. With `seed_parameters`, the incoming argument registers (the last
/// `ins_size` registers) start as kParam values, and keep them across resets until the method
/// writes them, so that a visitor can tell which parameter reaches a call (a one-level summary).
WalkStats walk_code(const CodeItem& code, CodeVisitor& visitor, WalkScratch& scratch,
                    bool seed_parameters = false);

}  // namespace assay::dex
