#!/usr/bin/env bash
# Sets up what the build needs, then plans the shipped example workload.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --release --locked -- plan --workload data/examples/platform.csv --out plan-example "$@"
