// `memtrace report` with other thread filter limits (ReportOptions::maxThreadEntries and
// listedThreads), so the browser tests can open a page whose "[other threads]" entry comes
// from the entry cap without a capture of 400,000 entries.
// usage: html_capped_report CAPTURE OUT.html MAX_THREAD_ENTRIES [LISTED_THREADS]
#include <cstdio>
#include <fstream>
#include <string>

#include "reader/capture_loader.h"
#include "report/html/html_page.h"
#include "report/html/report_data.h"

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s CAPTURE OUT.html MAX_THREAD_ENTRIES [LISTED_THREADS]\n", argv[0]);
        return 2;
    }
    const std::string capture = argv[1];
    memtrace::reader::CaptureModel model;
    const memtrace::reader::StreamResult read = memtrace::reader::loadCapture(capture, model);
    if (!read.usable()) {
        std::fprintf(stderr, "%s: %s\n", capture.c_str(), read.message.c_str());
        return 2;
    }
    memtrace::reader::Symbolizer symbolizer(model.stacks());
    memtrace::report::html::ReportOptions options;
    options.maxThreadEntries = std::stoul(argv[3]);
    if (argc > 4) options.listedThreads = std::stoul(argv[4]);
    const std::string page =
        memtrace::report::html::renderReportPage(memtrace::report::html::buildReportData(capture, model, read, symbolizer, options));
    std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
    out.write(page.data(), static_cast<std::streamsize>(page.size()));
    return out ? 0 : 2;
}
