"""Checks the Spark (or DuckDB) indicator results against `jingzhun report indicators` on the same database:
every value the SQL defines must equal the product's figure for every area the report lists (the county, its
townships and its villages) and every year asked for. Exits non-zero on any difference.

    python3 analysis/spark/check_against_report.py --jingzhun target/debug/jingzhun --db jz.db \
        --area 511902 --years 2013,2016,2020,2024 --results indicators.jsonl
"""

import argparse
import json
import math
import subprocess
import sys


def report(jingzhun, db, area, year, by):
    out = subprocess.run(
        [jingzhun, "--db", db, "report", "indicators", "--area", area, "--year", str(year), "--by", by,
         "--format", "json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)["rows"]


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jingzhun", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--area", required=True, help="a county code")
    p.add_argument("--years", required=True, help="comma-separated")
    p.add_argument("--results", required=True, help="JSON lines from indicators.py")
    args = p.parse_args(argv)

    sql = {}
    for line in open(args.results, encoding="utf-8"):
        r = json.loads(line)
        sql[(r["year"], r["area"], r["indicator"])] = r["value"]
    indicators = sorted({k[2] for k in sql})

    passed = failed = 0
    for year in (int(y) for y in args.years.split(",")):
        rows = {}
        for by in ("township", "village"):
            for row in report(args.jingzhun, args.db, args.area, year, by):
                rows[row["area"]] = row["values"]
        for area, values in sorted(rows.items()):
            for code in indicators:
                if code not in values:
                    print(f"{year} {area} {code}: not in `report indicators` (catalogue drifted?)")
                    failed += 1
                    continue
                mine = sql.get((year, area, code))
                theirs = values[code]
                if (year, area, code) not in sql:
                    print(f"{year} {area} {code}: no SQL result (report: {theirs})")
                    failed += 1
                elif same(mine, theirs):
                    passed += 1
                else:
                    print(f"{year} {area} {code}: SQL {mine} ≠ report {theirs}")
                    failed += 1
    print(f"indicators: {len(indicators)} defined in SQL; {passed} figures equal, {failed} differ")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
