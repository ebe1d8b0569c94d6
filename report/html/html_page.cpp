#include "html_page.h"

#include "report_assets.h"

namespace memtrace::report::html {

std::string jsonForHtml(const nlohmann::json& data)
{
    const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        // These bytes only occur inside JSON strings, where a \u escape means the same.
        if (c == '<') out += "\\u003c";
        else if (c == '>') out += "\\u003e";
        else if (c == '&') out += "\\u0026";
        else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' && (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
            out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string renderReportPage(const nlohmann::json& data)
{
    std::string page;
    page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    // No fetch, image, font or frame may leave the file: the report works offline and a
    // hostile capture cannot make it phone home.
    page += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n";
    page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    page += "<meta name=\"generator\" content=\"memtrace " MEMTRACE_VERSION "\">\n";
    page += "<title>memtrace report</title>\n<style>\n";
    page += assets::kStyle;
    page += "</style>\n</head>\n<body>\n<noscript>This report needs JavaScript.</noscript>\n<div id=\"app\"></div>\n";
    page += "<script type=\"application/json\" id=\"memtrace-data\">";
    page += jsonForHtml(data);
    page += "</script>\n<script>\n";
    page += assets::kScript;
    page += "</script>\n</body>\n</html>\n";
    return page;
}

}  // namespace memtrace::report::html
