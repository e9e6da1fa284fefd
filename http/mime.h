// Content types by file extension: the common entries of nginx's mime.types.
#pragma once
#include <string_view>

namespace sluice::http {

inline constexpr std::string_view kDefaultMimeType = "application/octet-stream";

// Case-insensitive lookup of an extension without the dot ("HTML" -> "text/html");
// kDefaultMimeType when unknown.
std::string_view mime_type_for_extension(std::string_view ext);
// The type for the last path segment's extension ("/a/b.min.js" -> "application/javascript").
std::string_view mime_type_for_path(std::string_view path);
// For the unit test: the table is sorted (lookup relies on it); every entry is found, in any
// case, by both of the lookups (packed integers for short extensions, strings for long ones).
bool mime_table_is_sorted();
bool mime_lookups_agree();

}  // namespace sluice::http
