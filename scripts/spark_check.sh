#!/usr/bin/env bash
# The national analysis check: the indicator definitions of analysis/spark/indicators/*.sql, run by Apache
# Spark in local mode over the Parquet export of a generated county, must equal `jingzhun report indicators`
# for every figure they define (the county, its townships and villages, several years). Installs Java 17
# (Debian) and PySpark (PyPI) when missing. `.ci/run` calls it; run it by hand the same way:
#
#     scripts/spark_check.sh                 # Spark (and DuckDB, when installed, for the same check)
#     SPARK_CHECK_SCALE=0.05 scripts/spark_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

AREA="${SPARK_CHECK_AREA:-511902}"
SCALE="${SPARK_CHECK_SCALE:-0.02}"
YEARS="${SPARK_CHECK_YEARS:-2013,2016,2020,2024,2025}"

if ! command -v java >/dev/null 2>&1; then
  echo "== installing Java 17 (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
if ! python3 -c "import pyspark" >/dev/null 2>&1; then
  echo "== installing PySpark (PyPI)"
  python3 -m pip install -q pyspark
fi

echo "== building jingzhun"
cargo build -q -p jingzhun
JZ="${CARGO_TARGET_DIR:-target}/debug/jingzhun"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/county.db"
"$JZ" --db "$db" init >/dev/null
"$JZ" --db "$db" synth --area "$AREA" --scale "$SCALE" --seed 7 >/dev/null
"$JZ" --db "$db" export parquet --out "$work/export" --from 2013 --to 2025 >/dev/null

echo "== Spark (local mode) over the export"
python3 analysis/spark/indicators.py "$work/export" --out "$work/spark.jsonl"
python3 analysis/spark/check_against_report.py --jingzhun "$JZ" --db "$db" --area "$AREA" --years "$YEARS" \
  --results "$work/spark.jsonl"
if python3 -c "import duckdb" >/dev/null 2>&1; then
  echo "== DuckDB over the same export, the same SQL"
  python3 analysis/spark/indicators.py "$work/export" --engine duckdb --out "$work/duckdb.jsonl"
  python3 analysis/spark/check_against_report.py --jingzhun "$JZ" --db "$db" --area "$AREA" \
    --years "$YEARS" --results "$work/duckdb.jsonl"
fi
