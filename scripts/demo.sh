#!/usr/bin/env bash
# Sets everything up, records an example program that leaks, and prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/demo
./build/cli/memtrace run --force -o build/demo/leaky_service.mtrace -- ./build/examples/leaky_service
./build/cli/memtrace summary build/demo/leaky_service.mtrace
