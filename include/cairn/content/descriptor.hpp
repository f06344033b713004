// File descriptors in Cloudillo's d2 format, variant names, and the choice of the variant to serve.
//
// A file is a set of variants (thumbnail, small, ..., original), each a blob with a format, a
// byte size and pixel dimensions. The descriptor is the canonical text listing them:
//
//   d2,[R=<root file id>;]<entry>{;<entry>}
//   entry := <name>:<blob id>:f=<format>:s=<size>:r=<width>x<height>[:dur=<s>][:br=<kbps>][:pg=<n>]
//
// and the file ID is the hash of that text (file_id() below, content::file_id in id.hpp). Because
// the bytes are hashed, generation is canonical: entries sorted by (size, width, height, name),
// optional fields only when present and non-zero, durations as the shortest decimal that reads
// back as the same double (no exponent, no trailing ".0"). Nothing is escaped, so names, IDs and
// formats may not contain ':', ';' or ','; Descriptor::validate() checks this. Parsing is lenient
// as Cloudillo's is: the legacy "d1~" form (entries separated by ','), empty segments and unknown
// properties are accepted, so descriptors written by newer peers still parse.
//
// Variant names are "class.quality" ("vis.sd", "vid.hd"); a plain "orig" is the original, and a
// legacy name without a class ("sd") is a visual variant.
//
// Thread-safety: plain values and pure functions, safe from any thread. Ownership: results are
// new values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::content {

// What kind of media a variant is: "vis" images, "vid" video, "aud" audio, "doc" documents (PDF),
// "raw" anything else.
enum class VariantClass { kVisual, kVideo, kAudio, kDocument, kRaw };

// How large a variant is, smallest first (the order is meaningful): "pf" profile picture, "tn"
// thumbnail, "sd" (720 px, 480p), "md" (1280 px, 720p), "hd" (1920 px, 1080p), "xd" (3840 px,
// 4K), "orig" the original upload.
enum class VariantQuality { kProfile, kThumbnail, kSmall, kMedium, kHigh, kExtra, kOriginal };

// A parsed variant name.
struct VariantName {
  VariantClass cls = VariantClass::kVisual;
  VariantQuality quality = VariantQuality::kOriginal;

  friend bool operator==(const VariantName&, const VariantName&) = default;
};

// Parses a variant name: "class.quality" with class one of vis, vid, aud, doc, raw and quality one
// of pf, tn, sd, md, hd, xd, orig; a plain "orig" is (kRaw, kOriginal); a plain quality other than
// orig ("sd") is a legacy name for the visual class. Errors: INVALID_ARGUMENT /
// CONTENT_VARIANT_NAME_INVALID for anything else.
Result<VariantName> parse_variant_name(std::string_view name);

// The name of `name`: "vis.sd", or "orig" for (kRaw, kOriginal). parse_variant_name reads it back.
std::string to_string(VariantName name);

// One variant of a file.
struct Variant {
  std::string name;     // "vis.sd"; any text without ':', ';', ',' (unknown names are allowed)
  std::string blob_id;  // the blob holding the bytes ("b1~..."), kept with its '~'
  std::string format;   // "avif", "webp", "mp4", ...
  uint64_t size = 0;    // bytes
  uint32_t width = 0;   // pixels
  uint32_t height = 0;  // pixels
  std::optional<double> duration;   // seconds (audio, video)
  std::optional<uint32_t> bitrate;  // kbps
  std::optional<uint32_t> pages;    // documents
  // Whether the blob is present here. Not part of the descriptor text (parse sets true).
  bool available = true;

  friend bool operator==(const Variant&, const Variant&) = default;
};

// A file descriptor: the variants of one file and, for files in a document tree, its root.
struct Descriptor {
  std::vector<Variant> variants;
  std::optional<std::string> root;  // the root file's ID ("f1~..."), written as "R=<root>;"

  // OK when to_string() can represent this descriptor exactly: every variant's name, blob_id and
  // format is non-empty UTF-8 without ':', ';', ',' or control characters (below 0x20, or 0x7f),
  // and the name does not start with "R="; every duration is finite and not negative; the root,
  // when set, is non-empty UTF-8 without ';' or control characters. Errors: INVALID_ARGUMENT /
  // CONTENT_DESCRIPTOR_INVALID naming the first offending field.
  [[nodiscard]] Status validate() const;

  // The canonical d2 text. Entries are sorted by (size, width, height, name) (then by the other
  // fields, so equal keys still give one text); "R=<root>;" comes first when there is a root;
  // dur=, br= and pg= appear only when present and non-zero. REQUIRES: validate() is OK;
  // otherwise the text does not parse back to this descriptor.
  [[nodiscard]] std::string to_string() const;

  // The file ID: content::file_id(to_string()), "f1~..." REQUIRES: validate() is OK.
  [[nodiscard]] std::string file_id() const;

  // Parses d2 text, or legacy d1 text ("d1~" and entries separated by ','; never a root). Empty
  // segments are skipped, unknown properties ignored, a missing f= means "avif"; s= and r= are
  // required; every variant is available. The result always passes validate(), and
  // to_string(parse(to_string(x))) == to_string(x) for every valid x. Errors: INVALID_ARGUMENT /
  // CONTENT_DESCRIPTOR_MALFORMED for another prefix, an entry without a blob ID, a missing s= or
  // r=, a bad number (not decimal digits, out of range; dur= not a finite number >= 0), or a
  // result that would not pass validate().
  [[nodiscard]] static Result<Descriptor> parse(std::string_view text);

  friend bool operator==(const Descriptor&, const Descriptor&) = default;
};

// The variant to serve for a request such as "vis.sd", "sd" or "" (the original), as Cloudillo
// chooses it. Only available variants count. A request with a class ("vis.hd") considers only
// variants of that class (an unparseable variant name counts as visual). Then the requested
// quality and its fallbacks are tried in order:
//   pf: pf tn              tn: tn pf             sd: sd md tn pf
//   md: md sd tn           hd: hd md sd tn       xd: xd hd md sd tn      orig: orig xd hd
// A variant matches a quality when its name is the requested name or its quality part is that
// quality ("vis.sd" and "sd" both match sd); an exact name match wins, then the first in input
// order. A request that is not a variant name matches variants of exactly that name. When nothing
// matches, the candidate with the most pixels (width * height; then the larger size) is served.
// Returns a copy of the chosen variant. Errors: NOT_FOUND / CONTENT_VARIANT_NOT_FOUND when no
// variant is a candidate.
Result<Variant> best_variant(std::span<const Variant> variants, std::string_view requested);

}  // namespace cairn::content
