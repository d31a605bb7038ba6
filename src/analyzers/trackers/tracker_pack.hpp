#pragma once
/// \file tracker_pack.hpp
/// Tracker SDK signatures: the built-in pack (rules/trackers.yaml), εxodus JSON imports and user
/// packs (--trackers), compiled into one immutable matcher per scan. See README.md beside this file.
///
/// Matching is exact on name boundaries, never a substring search:
/// - code signatures are dotted Java names (a package "com.google.ads" or a class
///   "com.google.firebase.analytics.FirebaseAnalytics"). A signature matches the name itself and
///   everything below it: "com.google.ads" matches "com.google.ads" and "com.google.ads.mediation"
///   but not "com.google.adsense" (εxodus' regex search would). When only package names are known
///   (the android.code fact), a class signature matches its own package when that package has at
///   least kMinClassPackageLabels labels ("com.facebook.CampaignTrackingReceiver" does not turn
///   every com.facebook app into Facebook Analytics); such a match is reported as medium confidence.
/// - network signatures are domains and match the domain and its subdomains on label boundaries:
///   "doubleclick.net" matches "ad.doubleclick.net", not "notdoubleclick.net".
/// - iOS signatures are framework bundle names (exact, "GoogleMobileAds") and Objective-C class
///   prefixes ("GAD", matched when the next character of the class name is upper case).

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "assay/result.hpp"
#include "assay/scan.hpp"

namespace assay::trackers {

/// Categories, in the order a tracker with several is classified by (most intrusive first).
inline constexpr std::string_view kCategories[] = {"advertising", "profiling", "identification",
                                                   "location", "analytics", "crash-reporting"};
bool is_category(std::string_view c) noexcept;

// A class signature's package must be this specific to stand in for the class (see above).
inline constexpr std::size_t kMinClassPackageLabels = 3;
// User packs and εxodus files hold a few hundred trackers; bound what one file may add.
inline constexpr std::size_t kMaxTrackersPerPack = 20000;
inline constexpr std::size_t kMaxSignaturesPerTracker = 1000;

struct Tracker {
  std::string id;        ///< stable slug: "google-admob"
  std::string name;      ///< "Google AdMob"
  std::string category;  ///< primary category (one of kCategories)
  std::vector<std::string> categories;
  std::string website;
  std::vector<std::string> code_signatures;     ///< dotted, no trailing '.'
  std::vector<std::string> ios_frameworks;      ///< framework bundle names
  std::vector<std::string> ios_class_prefixes;  ///< Objective-C / Swift class prefixes
  std::vector<std::string> network_signatures;  ///< domains, lower case
  std::string source;                           ///< "builtin", a file path, "exodus:<file>"
};

struct Match {
  const Tracker* tracker = nullptr;
  std::string signature;           ///< the signature that matched
  std::string confidence = "high";  ///< "medium" for a class signature matched by its package
};

/// A signature an import could not turn into a prefix or a domain, with the reason.
struct Refusal {
  std::string tracker;
  std::string signature;
  std::string reason;
};

class TrackerPack {
 public:
  /// Adds a tracker; one with the same id replaces the earlier one (a user pack overrides the
  /// built-in entry of the same SDK).
  void add(Tracker t);
  /// Builds the lookup tables; call once after the last add().
  void finalize();

  const std::vector<Tracker>& trackers() const noexcept { return trackers_; }
  const Tracker* find(std::string_view id) const;

  /// Trackers whose code signature covers a dotted package name.
  std::vector<Match> match_package(std::string_view package) const;
  /// Trackers whose code signature covers a dotted class name (inner classes after '$' too).
  std::vector<Match> match_class(std::string_view class_name) const;
  /// Trackers whose network signature covers a host name (case-insensitive).
  std::vector<Match> match_host(std::string_view host) const;
  /// Trackers that ship an iOS framework of this bundle name ("GoogleMobileAds").
  std::vector<Match> match_ios_framework(std::string_view name) const;
  /// Trackers whose class prefix starts this Objective-C class name ("GADBannerView").
  std::vector<Match> match_ios_class(std::string_view class_name) const;

  /// Problems met while loading (a user file that could not be read, refused signatures).
  std::vector<std::string> warnings;

 private:
  std::vector<Match> lookup_prefixes(std::string_view name, bool class_name) const;

  std::vector<Tracker> trackers_;
  std::unordered_map<std::string, std::vector<std::size_t>> code_;       // signature -> trackers
  std::unordered_map<std::string, std::vector<std::pair<std::size_t, std::string>>> class_pkg_;  // package of a class signature
  std::unordered_map<std::string, std::vector<std::size_t>> net_;
  std::unordered_map<std::string, std::vector<std::size_t>> ios_fw_;
  std::vector<std::pair<std::string, std::size_t>> ios_prefix_;
};

/// A slug from a display name: "Google AdMob" -> "google-admob".
std::string slug(std::string_view name);

/// Parses an Assay YAML pack (`trackers: [...]`, see rules/trackers.yaml). Errors: kMalformed
/// (not YAML, no `trackers` list, an entry without id or name or with an unknown category).
Result<std::vector<Tracker>> parse_yaml_pack(std::string_view text, const std::string& source);

struct ExodusImport {
  std::vector<Tracker> trackers;
  std::vector<Refusal> refused;
  std::size_t signatures_in = 0;  ///< code + network alternatives read
};

/// Converts εxodus JSON (a list holding one object id -> {name, code_signature,
/// network_signature, categories, website}, or that object itself, or {"trackers": {...}}).
/// Alternatives are split on '|'; `\.` and `\-` are unescaped; a code alternative must then be a
/// plain dotted Java name (a trailing '.' dropped), a network alternative a plain domain (a leading
/// `.*\.`, `\.`, `.` or `^` and a trailing `$` dropped). Anything else (wildcards, classes, IPs with
/// ports and paths, a leading '.' that means "any package") is refused and listed.
Result<ExodusImport> import_exodus(std::string_view json_text, const std::string& source);

/// Renders trackers as an Assay YAML pack.
std::string to_yaml(const std::vector<Tracker>& trackers, const std::string& header_comment);

/// load_data_file, with a linear search of the embedded files as fallback. Workaround: the
/// embedded table lists rules/ then policies/ (cmake/embed.cmake sorts per directory), so the
/// binary search in embedded_file() misses some rules/ files (rules/trackers.yaml among them).
/// Drop this once the table is sorted as a whole.
Result<std::string> load_rule_text(std::string_view path, const std::string& rules_dir);

/// The scan's pack: rules/trackers.yaml (embedded or from --rules) plus every --trackers file
/// (Assay YAML, or εxodus JSON when the file starts with '[' or '{'). Never fails: problems go to
/// `warnings`.
TrackerPack load_tracker_pack(const AnalysisConfig& config);

}  // namespace assay::trackers
