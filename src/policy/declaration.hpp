#pragma once
// The vendor's declaration (docs/declaration.md, `schema: assay-declaration/1`) and its check
// against the evidence: what the vendor says is collected, embedded, listening and supported,
// compared with what the analyzers found. Differences become findings of their own.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assay/assessment.hpp"
#include "assay/result.hpp"

namespace assay::policy {

struct Declaration {
  struct Identity {
    std::string name, vendor, version, product_kind;
  };
  struct DataItem {
    std::string type, purpose;
    std::vector<std::string> recipients;
  };
  struct Sdk {
    std::string name, tracker;
  };
  struct Service {
    std::string program, protocol;
    std::optional<long> port;
  };
  std::string file;
  std::optional<Identity> identity;
  std::optional<std::vector<DataItem>> data_collected;  ///< nullopt: not declared; empty: "none"
  std::optional<std::vector<Sdk>> third_party_sdks;
  std::optional<std::vector<Service>> network_services;
  std::string credential_model;      ///< "" = not declared
  std::string support_period_end;    ///< YYYY-MM-DD ("" = not declared)
  std::string vulnerability_contact;
  std::string update_mechanism;
  /// Line of each top-level field, for evidence.
  std::vector<std::pair<std::string, int>> lines;

  int line_of(std::string_view field) const;
  /// True when the declaration gives `field` (docs/policy.md lists the names; an explicit empty
  /// list counts: it declares "none").
  bool has(std::string_view field) const;
};

/// Parses a declaration. Errors: kUsage naming the file, the line and the field.
Result<Declaration> parse_declaration(std::string_view yaml, const std::string& source_name);

struct DeclarationCheck {
  nlohmann::json report;  ///< the `declaration` object of Assessment::policy
  /// Fingerprints of findings the declaration accounts for (a declared tracker, a declared data
  /// type): checks with `except_declared` do not count them.
  std::set<std::string> covered;
};

/// Compares the declaration with the findings and facts of `a`, appends the declaration.*
/// findings to a.findings (fingerprinted like the engine's) and returns the report.
Result<DeclarationCheck> check_declaration(Assessment& a, const Declaration& d, const std::string& today);

}  // namespace assay::policy
