// libFuzzer target for file descriptors (cairn/content/descriptor.hpp): Descriptor::parse on
// arbitrary text (d2 and legacy d1). Properties checked for a descriptor that parses:
//   - it passes validate(), every variant is available, and parsing twice gives equal results;
//   - its canonical text parses again, and the text of that is the same text
//     (to_string(parse(to_string(x))) == to_string(x), as the header promises) with the same
//     variants (as a multiset, after dropping zero dur/br/pg, which the text leaves out);
//   - file_id() is content::file_id of that text;
//   - best_variant for a request picked by the first byte returns one of the available variants,
//     the same one twice; a variant name that parses formats back to itself (parse_variant_name).
// Failures must be CONTENT_DESCRIPTOR_MALFORMED.
//
// The first input byte picks the request passed to best_variant (an index into standard names
// and the descriptor's own names); the rest is the descriptor text. Seeds:
// corpus/content_descriptor/ (the descriptors of tests/content/descriptor_test.cpp); tokens:
// content_descriptor.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"

namespace {

namespace content = cairn::content;

constexpr std::size_t kMaxInput = std::size_t{64} * 1024;

constexpr std::array<std::string_view, 12> kRequests{
    "", "orig", "sd", "tn", "pf", "hd", "vis.sd", "vid.hd", "aud.md", "doc.orig", "raw.xd", "x"};

// A variant as the canonical text keeps it: zero dur=, br= and pg= are left out.
content::Variant normalized(content::Variant v) {
  if (v.duration && *v.duration == 0.0) v.duration.reset();
  if (v.bitrate && *v.bitrate == 0) v.bitrate.reset();
  if (v.pages && *v.pages == 0) v.pages.reset();
  return v;
}

bool same_variants(const std::vector<content::Variant>& a, const std::vector<content::Variant>& b) {
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const content::Variant& x : a) {
    content::Variant nx = normalized(x);
    bool found = false;
    for (std::size_t i = 0; i < b.size() && !found; ++i) {
      if (!used[i] && normalized(b[i]) == nx) used[i] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

void check_serving(const content::Descriptor& d, uint8_t pick) {
  std::size_t index = pick % (kRequests.size() + d.variants.size());
  std::string requested = index < kRequests.size() ? std::string(kRequests[index])
                                                   : d.variants[index - kRequests.size()].name;
  cairn::Result<content::Variant> chosen = content::best_variant(d.variants, requested);
  cairn::Result<content::Variant> again = content::best_variant(d.variants, requested);
  if (chosen.has_value() != again.has_value()) std::abort();
  if (!chosen) {
    // Only an empty list (or one with nothing available) has no candidate.
    if (!d.variants.empty() && requested.find('.') == std::string::npos) std::abort();
    if (chosen.error().reason != "CONTENT_VARIANT_NOT_FOUND") std::abort();
    return;
  }
  if (!(*chosen == *again)) std::abort();
  if (std::find(d.variants.begin(), d.variants.end(), *chosen) == d.variants.end()) std::abort();
  // A request for one of the variants' own names gets a variant of that name.
  if (index >= kRequests.size() && chosen->name != requested) std::abort();
}

void check_names(const content::Descriptor& d) {
  for (const content::Variant& v : d.variants) {
    cairn::Result<content::VariantName> name = content::parse_variant_name(v.name);
    if (!name) continue;
    std::string text = content::to_string(*name);
    cairn::Result<content::VariantName> back = content::parse_variant_name(text);
    if (!back || !(*back == *name)) std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  uint8_t pick = bytes[0];
  std::string_view text(reinterpret_cast<const char*>(bytes + 1), size - 1);
  if (text.size() > kMaxInput) text = text.substr(0, kMaxInput);

  cairn::Result<content::Descriptor> d = content::Descriptor::parse(text);
  cairn::Result<content::Descriptor> twice = content::Descriptor::parse(text);
  if (d.has_value() != twice.has_value()) std::abort();
  if (!d) {
    if (d.error().reason != "CONTENT_DESCRIPTOR_MALFORMED") std::abort();
    if (twice.error().reason != d.error().reason) std::abort();
    return 0;
  }
  if (!(*d == *twice)) std::abort();
  if (!d->validate()) std::abort();
  for (const content::Variant& v : d->variants) {
    if (!v.available) std::abort();
  }

  std::string canonical = d->to_string();
  cairn::Result<content::Descriptor> back = content::Descriptor::parse(canonical);
  if (!back) std::abort();
  if (back->to_string() != canonical) std::abort();
  if (back->root != d->root) std::abort();
  if (!same_variants(d->variants, back->variants)) std::abort();
  if (d->file_id() != content::file_id(canonical)) std::abort();
  if (back->file_id() != d->file_id()) std::abort();

  check_serving(*d, pick);
  check_names(*d);
  return 0;
}
