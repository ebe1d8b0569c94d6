// The JSON embedded in the report can never end its <script> element or be read as markup,
// and still parses back to exactly the original strings.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "report/html/html_page.h"

using memtrace::report::html::jsonForHtml;

TEST_CASE("jsonForHtml escapes what HTML could interpret and round-trips")
{
    const std::string hostile = "</script><script>alert(1)</script> <!-- & \"q\" 'a' \xe2\x80\xa8 \xe2\x80\xa9 operator<<&>";
    nlohmann::json data = {{"fn", hostile}, {"n", 42}};
    const std::string text = jsonForHtml(data);
    CHECK(text.find('<') == std::string::npos);
    CHECK(text.find('>') == std::string::npos);
    CHECK(text.find('&') == std::string::npos);
    CHECK(text.find("\xe2\x80\xa8") == std::string::npos);
    CHECK(text.find("\xe2\x80\xa9") == std::string::npos);
    CHECK(text.find("\\u003c/script\\u003e") != std::string::npos);
    CHECK(nlohmann::json::parse(text)["fn"] == hostile);
}

TEST_CASE("jsonForHtml replaces invalid UTF-8 instead of failing")
{
    nlohmann::json data = {{"fn", std::string("bad\xff\xfe<name")}};
    const std::string text = jsonForHtml(data);
    CHECK(text.find('<') == std::string::npos);
    CHECK(nlohmann::json::parse(text)["fn"].get<std::string>().starts_with("bad"));
}

TEST_CASE("the report page holds exactly the page's own two scripts")
{
    nlohmann::json data = {{"fn", "</script><script>alert(1)</script>"}};
    const std::string page = memtrace::report::html::renderReportPage(data);
    size_t scripts = 0;
    for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
    CHECK(scripts == 2);
    size_t closes = 0;
    for (size_t at = page.find("</script"); at != std::string::npos; at = page.find("</script", at + 1)) ++closes;
    CHECK(closes == 2);
    CHECK(page.find("Content-Security-Policy") != std::string::npos);
    // Nothing the browser would fetch (uPlot's licence banner names its home page in a comment).
    for (const char* fetch : {"src=\"http", "href=\"http", "@import", "url(http", "<link", "<iframe"})
        CHECK(page.find(fetch) == std::string::npos);
}
