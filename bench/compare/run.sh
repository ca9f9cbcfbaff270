#!/usr/bin/env bash
# Side-by-side comparison: jingzhun's engine vs the same evaluation in DuckDB SQL and in Polars.
#
#   bench/compare/run.sh [HOUSEHOLDS] [REPEATS]      (defaults: 1000000 5)
#
# Installs DuckDB, Polars and pyarrow into bench/compare/.venv (pinned in requirements.txt), builds our
# `compare` example in release mode, writes N households of the project's generator as the household CSV the
# product imports and exports (once per size, into bench-data/compare-N/; again when the example was
# rebuilt), converts it to Parquet, times the three in one run and checks they give the same counts for
# every area. Exit status 1 if any count differs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-1000000}"
REPEATS="${2:-5}"
DATA="${DATA:-$ROOT/bench-data/compare-$N}"
VENV="$HERE/.venv"

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"

# bench/all.sh builds everything once beforehand (JZ_NO_BUILD=1).
[ -n "${JZ_NO_BUILD:-}" ] || (cd "$ROOT" && cargo build --release --quiet -p jingzhun-engine --example compare)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/compare"

# Export once per size; again whenever the exporter was rebuilt (its format may have changed).
if [ ! -f "$DATA/households.csv" ] || [ "$BIN" -nt "$DATA/households.csv" ]; then
    "$BIN" export "$N" "$DATA"
fi
"$VENV/bin/python" "$HERE/compare.py" --data "$DATA" --bin "$BIN" --repeats "$REPEATS" --out "$DATA/results.md"
