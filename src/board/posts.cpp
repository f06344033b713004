#include "cairn/board/posts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

namespace cairn::board {
namespace {

constexpr std::array<std::string_view, 5> kStatusNames = {"open", "planned", "in_progress", "done",
                                                          "declined"};
constexpr std::array<std::string_view, 4> kCategoryNames = {"feedback", "bug", "feature",
                                                            "question"};
constexpr std::array<std::string_view, 7> kSortNames = {
    "newest", "oldest", "most_votes", "least_votes", "recently_updated", "trending", "hot"};

// The index of `name` in `names`, or -1.
template <std::size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// `names` joined with ", " for messages.
template <std::size_t N>
std::string listed(const std::array<std::string_view, N>& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::string_view status_name(PostStatus status) noexcept {
  auto i = static_cast<std::size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : std::string_view("open");
}

std::string_view category_name(Category category) noexcept {
  auto i = static_cast<std::size_t>(category);
  return i < kCategoryNames.size() ? kCategoryNames[i] : std::string_view("feedback");
}

std::string_view sort_name(Sort sort) noexcept {
  auto i = static_cast<std::size_t>(sort);
  return i < kSortNames.size() ? kSortNames[i] : std::string_view("newest");
}

Result<PostStatus> parse_status(std::string_view name) {
  int i = index_of(kStatusNames, name);
  if (i < 0) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_STATUS_INVALID",
                "a status is one of " + listed(kStatusNames));
  }
  return static_cast<PostStatus>(i);
}

Result<Category> parse_category(std::string_view name) {
  int i = index_of(kCategoryNames, name);
  if (i < 0) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_CATEGORY_INVALID",
                "a category is one of " + listed(kCategoryNames));
  }
  return static_cast<Category>(i);
}

Result<Sort> parse_sort(std::string_view name) {
  int i = index_of(kSortNames, name);
  if (i < 0) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_SORT_INVALID",
                "a sort is one of " + listed(kSortNames));
  }
  return static_cast<Sort>(i);
}

double trending_score(int64_t votes_30d, int64_t comments_30d, double hours) noexcept {
  double activity = static_cast<double>(votes_30d) * 5.0 + static_cast<double>(comments_30d) * 3.0;
  return (activity - 1.0) / std::pow(std::max(hours, 0.0) + 2.0, 1.4);
}

double hot_score(int64_t votes, double hours) noexcept {
  return (static_cast<double>(votes) - 1.0) / std::pow(std::max(hours, 0.0) + 2.0, 1.8);
}

}  // namespace cairn::board
