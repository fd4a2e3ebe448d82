#!/usr/bin/env bash
# Sets up what the build needs, then runs every test (release build: the solver tests
# and the benchmark sample run an optimizer, which is slow unoptimized).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --release --locked
