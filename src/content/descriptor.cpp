#include "cairn/content/descriptor.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <tuple>
#include <utility>

#include "cairn/content/id.hpp"
#include "cairn/core/encoding.hpp"

namespace cairn::content {
namespace {

constexpr std::array<std::string_view, 5> kClassNames{"vis", "vid", "aud", "doc", "raw"};
constexpr std::array<std::string_view, 7> kQualityNames{"pf", "tn", "sd", "md", "hd", "xd", "orig"};

std::optional<VariantClass> class_from(std::string_view text) {
  for (std::size_t i = 0; i < kClassNames.size(); ++i) {
    if (text == kClassNames[i]) return static_cast<VariantClass>(i);
  }
  return std::nullopt;
}

std::optional<VariantQuality> quality_from(std::string_view text) {
  for (std::size_t i = 0; i < kQualityNames.size(); ++i) {
    if (text == kQualityNames[i]) return static_cast<VariantQuality>(i);
  }
  return std::nullopt;
}

std::string_view quality_name(VariantQuality quality) {
  return kQualityNames[static_cast<std::size_t>(quality)];
}

// The part of a variant name after the class: "sd" for "vis.sd" and for "sd".
std::string_view quality_part(std::string_view name) {
  std::size_t dot = name.find('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

Unexpected<Error> malformed(const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "CONTENT_DESCRIPTOR_MALFORMED",
              "malformed file descriptor: " + why);
}

Unexpected<Error> invalid(const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "CONTENT_DESCRIPTOR_INVALID",
              "invalid file descriptor: " + why);
}

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Text that can go into a descriptor: the file ID hashes it as UTF-8, and control characters have
// no business in it.
bool is_clean_text(std::string_view text) {
  return !has_control(text) && encoding::is_valid_utf8(text);
}

// A name, blob ID or format: the characters that separate fields would change the text's meaning.
bool is_valid_field(std::string_view text) {
  return !text.empty() && text.find_first_of(":;,") == std::string_view::npos &&
         is_clean_text(text);
}

template <class T>
bool parse_unsigned(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool parse_duration(std::string_view text, double& out) {
  // from_chars takes no '+'; a '-' (even "-0") is a negative duration.
  if (text.empty() || text[0] == '-') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && std::isfinite(out) && out >= 0;
}

// Seconds as Rust's `{}` prints an f64: the shortest digits that read back as the same double,
// placed without an exponent (1e21 is "1000000000000000000000", 1.2345678901234568e20 is
// "123456789012345680000"), no ".0" for whole numbers. to_chars in fixed format would print the
// exact value of large doubles ("...683968"), so take the shortest digits in scientific form and
// place the decimal point here.
void append_duration(std::string& out, double seconds) {
  std::array<char, 32> buf;  // "-d.dddddddddddddddde-308": at most 24 characters
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), seconds, std::chars_format::scientific);
  (void)ec;  // the buffer is large enough for every finite double
  std::string_view text(buf.data(), static_cast<std::size_t>(end - buf.data()));
  if (text.starts_with('-')) {
    out += '-';
    text.remove_prefix(1);
  }
  std::size_t e = text.find('e');
  std::string digits(1, text[0]);
  if (e > 1) digits.append(text.substr(2, e - 2));  // skip the '.'
  std::string_view exponent = text.substr(e + 1);
  bool negative = exponent.starts_with('-');
  if (negative || exponent.starts_with('+')) exponent.remove_prefix(1);
  int magnitude = 0;
  std::from_chars(exponent.data(), exponent.data() + exponent.size(), magnitude);
  // The value is 0.<digits> * 10^point.
  long point = 1 + (negative ? -magnitude : magnitude);
  auto count = static_cast<long>(digits.size());
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (point >= count) {
    out += digits;
    out.append(static_cast<std::size_t>(point - count), '0');
  } else {
    out.append(digits, 0, static_cast<std::size_t>(point));
    out += '.';
    out.append(digits, static_cast<std::size_t>(point), std::string::npos);
  }
}

template <class T>
void append_number(std::string& out, T value) {
  std::array<char, 24> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;  // 24 characters hold every uint64_t
  out.append(buf.data(), end);
}

Result<Variant> parse_entry(std::string_view entry) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = entry.find(':', start);
    parts.push_back(entry.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2) return malformed("a variant entry needs a name and a blob ID");
  Variant v;
  v.name = std::string(parts[0]);
  v.blob_id = std::string(parts[1]);
  v.format = "avif";
  bool has_size = false;
  bool has_dims = false;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    if (p.starts_with("f=")) {
      v.format = std::string(p.substr(2));
    } else if (p.starts_with("s=")) {
      if (!parse_unsigned(p.substr(2), v.size)) return malformed("bad s= (size)");
      has_size = true;
    } else if (p.starts_with("r=")) {
      std::string_view dims = p.substr(2);
      std::size_t x = dims.find('x');
      if (x == std::string_view::npos || !parse_unsigned(dims.substr(0, x), v.width) ||
          !parse_unsigned(dims.substr(x + 1), v.height)) {
        return malformed("bad r= (WIDTHxHEIGHT)");
      }
      has_dims = true;
    } else if (p.starts_with("dur=")) {
      double seconds = 0;
      if (!parse_duration(p.substr(4), seconds)) return malformed("bad dur= (duration)");
      v.duration = seconds;
    } else if (p.starts_with("br=")) {
      uint32_t bitrate = 0;
      if (!parse_unsigned(p.substr(3), bitrate)) return malformed("bad br= (bitrate)");
      v.bitrate = bitrate;
    } else if (p.starts_with("pg=")) {
      uint32_t pages = 0;
      if (!parse_unsigned(p.substr(3), pages)) return malformed("bad pg= (page count)");
      v.pages = pages;
    }
    // Other properties come from newer writers; ignoring them keeps their descriptors readable.
  }
  if (!has_size) return malformed("a variant entry has no s= (size)");
  if (!has_dims) return malformed("a variant entry has no r= (resolution)");
  return v;
}

// The sort key of generation: (size, width, height, name) as Cloudillo orders variants, then the
// remaining fields so that equal keys still give one canonical text. The text leaves out a zero
// duration, bitrate or page count, so zero and absent must sort alike: otherwise a parsed
// descriptor would sort (and so print, and hash) differently from the one that was printed.
using SortKey = std::tuple<const uint64_t&, const uint32_t&, const uint32_t&, const std::string&,
                           const std::string&, const std::string&, double, uint32_t, uint32_t>;
SortKey sort_key(const Variant& v) {
  return {v.size,
          v.width,
          v.height,
          v.name,
          v.blob_id,
          v.format,
          v.duration.value_or(0.0),
          v.bitrate.value_or(0),
          v.pages.value_or(0)};
}

// The class a candidate counts as when a request names one.
VariantClass class_of(std::string_view name) {
  Result<VariantName> parsed = parse_variant_name(name);
  return parsed ? parsed->cls : VariantClass::kVisual;
}

// The qualities tried for a requested quality, in order.
std::span<const VariantQuality> fallback_chain(VariantQuality requested) {
  using Q = VariantQuality;
  static constexpr std::array<Q, 2> kProfile{Q::kProfile, Q::kThumbnail};
  static constexpr std::array<Q, 2> kThumbnail{Q::kThumbnail, Q::kProfile};
  static constexpr std::array<Q, 4> kSmall{Q::kSmall, Q::kMedium, Q::kThumbnail, Q::kProfile};
  static constexpr std::array<Q, 3> kMedium{Q::kMedium, Q::kSmall, Q::kThumbnail};
  static constexpr std::array<Q, 4> kHigh{Q::kHigh, Q::kMedium, Q::kSmall, Q::kThumbnail};
  static constexpr std::array<Q, 5> kExtra{Q::kExtra, Q::kHigh, Q::kMedium, Q::kSmall,
                                           Q::kThumbnail};
  static constexpr std::array<Q, 3> kOriginal{Q::kOriginal, Q::kExtra, Q::kHigh};
  switch (requested) {
    case Q::kProfile:
      return kProfile;
    case Q::kThumbnail:
      return kThumbnail;
    case Q::kSmall:
      return kSmall;
    case Q::kMedium:
      return kMedium;
    case Q::kHigh:
      return kHigh;
    case Q::kExtra:
      return kExtra;
    case Q::kOriginal:
      return kOriginal;
  }
  return kOriginal;
}

}  // namespace

// Variant names

Result<VariantName> parse_variant_name(std::string_view name) {
  if (name == "orig") return VariantName{VariantClass::kRaw, VariantQuality::kOriginal};
  std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) {
    if (std::optional<VariantQuality> q = quality_from(name))
      return VariantName{VariantClass::kVisual, *q};
  } else {
    std::optional<VariantClass> c = class_from(name.substr(0, dot));
    std::optional<VariantQuality> q = quality_from(name.substr(dot + 1));
    if (c && q) return VariantName{*c, *q};
  }
  return fail(ErrorCode::kInvalidArgument, "CONTENT_VARIANT_NAME_INVALID",
              "not a variant name (class.quality, e.g. vis.sd)");
}

std::string to_string(VariantName name) {
  if (name.cls == VariantClass::kRaw && name.quality == VariantQuality::kOriginal) return "orig";
  std::string out(kClassNames[static_cast<std::size_t>(name.cls)]);
  out += '.';
  out += quality_name(name.quality);
  return out;
}

// Descriptor

Status Descriptor::validate() const {
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    std::string which = "variant " + std::to_string(i);
    if (!is_valid_field(v.name) || v.name.starts_with("R=")) return invalid(which + ": bad name");
    if (!is_valid_field(v.blob_id)) return invalid(which + ": bad blob ID");
    if (!is_valid_field(v.format)) return invalid(which + ": bad format");
    if (v.duration && (!std::isfinite(*v.duration) || *v.duration < 0)) {
      return invalid(which + ": duration not a finite number >= 0");
    }
  }
  if (root && (root->empty() || root->find(';') != std::string::npos || !is_clean_text(*root))) {
    return invalid("bad root ID");
  }
  return ok_status();
}

std::string Descriptor::to_string() const {
  std::vector<const Variant*> sorted;
  sorted.reserve(variants.size());
  for (const Variant& v : variants) sorted.push_back(&v);
  std::sort(sorted.begin(), sorted.end(),
            [](const Variant* a, const Variant* b) { return sort_key(*a) < sort_key(*b); });

  std::string out = "d2,";
  if (root) {
    out += "R=";
    out += *root;
    out += ';';
  }
  bool first = true;
  for (const Variant* v : sorted) {
    if (!first) out += ';';
    first = false;
    out += v->name;
    out += ':';
    out += v->blob_id;
    out += ":f=";
    out += v->format;
    out += ":s=";
    append_number(out, v->size);
    out += ":r=";
    append_number(out, v->width);
    out += 'x';
    append_number(out, v->height);
    if (v->duration && *v->duration != 0.0) {
      out += ":dur=";
      append_duration(out, *v->duration);
    }
    if (v->bitrate && *v->bitrate != 0) {
      out += ":br=";
      append_number(out, *v->bitrate);
    }
    if (v->pages && *v->pages != 0) {
      out += ":pg=";
      append_number(out, *v->pages);
    }
  }
  return out;
}

std::string Descriptor::file_id() const { return content::file_id(to_string()); }

Result<Descriptor> Descriptor::parse(std::string_view text) {
  char separator = 0;
  bool legacy = false;
  if (text.starts_with("d2,")) {
    separator = ';';
  } else if (text.starts_with("d1~")) {
    separator = ',';
    legacy = true;
  } else {
    return malformed("the text does not start with d2, or d1~");
  }
  std::string_view body = text.substr(3);
  Descriptor d;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find(separator, start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view segment = body.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (!legacy && segment.starts_with("R=")) {
      d.root = std::string(segment.substr(2));
      continue;
    }
    CAIRN_ASSIGN_OR_RETURN(Variant v, parse_entry(segment));
    d.variants.push_back(std::move(v));
  }
  if (Status valid = d.validate(); !valid) return malformed(valid.error().message);
  return d;
}

// Serving

Result<Variant> best_variant(std::span<const Variant> variants, std::string_view requested) {
  if (requested.empty()) requested = "orig";
  Result<VariantName> wanted = parse_variant_name(requested);
  // Only a request spelled with a class ("vis.hd") filters by class; "orig" and "sd" do not.
  bool by_class = wanted && requested.find('.') != std::string_view::npos;

  std::vector<const Variant*> candidates;
  for (const Variant& v : variants) {
    if (!v.available) continue;
    if (by_class && class_of(v.name) != wanted->cls) continue;
    candidates.push_back(&v);
  }
  if (candidates.empty()) {
    return fail(ErrorCode::kNotFound, "CONTENT_VARIANT_NOT_FOUND",
                "the file has no available variant to serve");
  }

  if (wanted) {
    for (VariantQuality quality : fallback_chain(wanted->quality)) {
      std::string_view q = quality_name(quality);
      std::string exact =
          by_class ? content::to_string(VariantName{wanted->cls, quality}) : std::string(q);
      for (const Variant* v : candidates) {
        if (v->name == exact) return *v;
      }
      for (const Variant* v : candidates) {
        if (quality_part(v->name) == q) return *v;
      }
    }
  } else {
    // Not a standard name: a custom variant of exactly this name, else the fallback below.
    for (const Variant* v : candidates) {
      if (v->name == requested) return *v;
    }
  }

  const Variant* largest = candidates.front();
  for (const Variant* v : candidates) {
    auto pixels = [](const Variant* x) { return uint64_t{x->width} * x->height; };
    if (std::pair(pixels(v), v->size) > std::pair(pixels(largest), largest->size)) largest = v;
  }
  return *largest;
}

}  // namespace cairn::content
