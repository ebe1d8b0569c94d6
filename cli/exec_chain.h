// The captures of one process's exec chain. When the traced process execs another program
// (a wrapper script such as libtool's or pyenv's, `env`, `sh -c 'exec ...'`), each image
// writes its own capture: CAPTURE, then CAPTURE.exec1, CAPTURE.exec2, ... (the shim's naming,
// preload/config.cpp). The last image is the one whose exit status `memtrace run` sees, and
// usually the program the user meant, so the launcher appends the status to it and checks
// its leaks.
#pragma once

#include <string>
#include <vector>

namespace memtrace::cli {

// CAPTURE.exec<N>, N >= 1.
std::string execCapturePath(const std::string& capturePath, unsigned generation);

// Files in CAPTURE's directory named CAPTURE<infix><digits>, sorted: with infix ".exec" the
// captures of exec'd images, with "." those of followed fork children (CAPTURE.<pid>). Left
// by an earlier run, they would make this run's images or children fail to create theirs.
std::vector<std::string> existingNumberedCaptures(const std::string& capturePath, const std::string& infix);

// CAPTURE and every CAPTURE.exec<N> that exists for N = 1, 2, ... without a gap: the images
// of this run's root process, in order (the launcher removed older ones before the start).
std::vector<std::string> execChain(const std::string& capturePath);

}  // namespace memtrace::cli
