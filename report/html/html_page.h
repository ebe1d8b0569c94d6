// The report as one self-contained HTML file: the data as JSON inside
// <script type="application/json">, the page's JavaScript and CSS inline, and a Content
// Security Policy that forbids every network request.
//
// Capture strings (function names, paths) only ever reach the page inside that JSON block,
// where '<', '>', '&', U+2028 and U+2029 are written as \u escapes: no name can close the
// element or be read as markup, and the script renders them with textContent and canvas only.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace memtrace::report::html {

// JSON text safe to place inside any HTML element (see above). Invalid UTF-8 becomes U+FFFD.
std::string jsonForHtml(const nlohmann::json& data);

std::string renderReportPage(const nlohmann::json& data);

}  // namespace memtrace::report::html
