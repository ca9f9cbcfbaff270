"""Runs the indicator definitions of `analysis/spark/indicators/*.sql` over a `jingzhun export parquet` folder,
on Apache Spark (local mode or a cluster) or, for comparison, on DuckDB, and writes one JSON line per
(year, level, area, indicator, value).

    python3 analysis/spark/indicators.py EXPORT_DIR --out indicators.jsonl             # Spark, local[*]
    spark-submit analysis/spark/indicators.py hdfs:///exports/jingzhun --out out.jsonl  # on a cluster
    python3 analysis/spark/indicators.py EXPORT_DIR --engine duckdb --out duck.jsonl

The SQL files are the definitions; this script only registers the input as the view `household_year`, runs
`00_areas.sql` (one row per household-year per area that counts it) and then every other file, and turns each
result column into an indicator: a column `guarantee_coverage__housing` is the catalogue's
`guarantee_coverage.housing`. The same files run unchanged on a cluster: Spark picks the master given by
`spark-submit` (or `SPARK_MASTER`), and local[*] only when none is set.
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "indicators"
KEYS = ("year", "level", "area")


def sql_files():
    files = sorted(SQL_DIR.glob("*.sql"))
    return files[0], files[1:]


def indicator_code(column: str) -> str:
    return column.replace("__", ".")


def run_spark(export: str):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("jingzhun-indicators")
    # Under spark-submit the driver is started with a gateway and the master it was given; run by plain
    # python3 there is none, so take SPARK_MASTER or local mode.
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
    spark = (
        builder.config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    # Hive-style partitions (county=…/year=…) become the columns `county` and `year`.
    spark.read.option("basePath", export).parquet(export).createOrReplaceTempView("household_year")
    areas, groups = sql_files()
    spark.sql(areas.read_text(encoding="utf-8"))
    results = []
    for f in groups:
        df = spark.sql(f.read_text(encoding="utf-8"))
        results.append((f.stem, df.columns, [tuple(r) for r in df.collect()]))
    elapsed = time.perf_counter() - started
    spark.stop()
    return results, elapsed


def run_duckdb(export: str):
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    glob = f"{export.rstrip('/')}/**/*.parquet"
    con.execute(
        f"CREATE VIEW household_year AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"
    )
    areas, groups = sql_files()
    con.execute(areas.read_text(encoding="utf-8"))
    results = []
    for f in groups:
        cur = con.execute(f.read_text(encoding="utf-8"))
        columns = [d[0] for d in cur.description]
        results.append((f.stem, columns, cur.fetchall()))
    return results, time.perf_counter() - started


def long_rows(results):
    """One dict per (year, level, area, indicator), values as floats (None where no denominator)."""
    out = []
    for group, columns, rows in results:
        for row in rows:
            rec = dict(zip(columns, row))
            key = {k: rec[k] for k in KEYS}
            key["year"] = int(key["year"])
            key["area"] = str(key["area"])
            for c in columns:
                if c in KEYS:
                    continue
                v = rec[c]
                v = None if v is None else float(v)
                if v is not None and math.isnan(v):
                    v = None
                out.append({**key, "group": group, "indicator": indicator_code(c), "value": v})
    out.sort(key=lambda r: (r["year"], r["level"], r["area"], r["indicator"]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("export", help="the folder written by `jingzhun export parquet`")
    p.add_argument("--out", required=True, help="JSON lines to write")
    p.add_argument("--engine", choices=("spark", "duckdb"), default="spark")
    args = p.parse_args(argv)
    if args.engine == "spark":
        results, elapsed = run_spark(args.export)
    else:
        results, elapsed = run_duckdb(args.export)
    rows = long_rows(results)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(
        f"{args.engine}: {len(rows)} values ({len({r['indicator'] for r in rows})} indicators) in {elapsed:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
