#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd build && ctest --output-on-failure -j2 --timeout 300)
# The reader under ASan+UBSan (with a short fuzz pass) and the shim's concurrency tests under
# TSan, each in its own build directory (build/asan, build/tsan).
scripts/sanitize.sh
