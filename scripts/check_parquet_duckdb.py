"""Reads a `jingzhun export parquet` folder with DuckDB, as an analyst would, and prints what it sees
(and the row count through pyarrow and Polars, where installed).

    bench/compare/.venv/bin/python scripts/check_parquet_duckdb.py DIR

Checks that DuckDB reads the hive partitions as they are (`county` and `year` from the directory names), prints
the schema, the households by county and year, and a few figures per year (registered poor, monitored, mean
per-capita income, households with any risk type). Exits non-zero if the partition keys disagree with the
columns inside the files or if a personal-data column shows up.
"""

import sys

import duckdb


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    glob = f"{sys.argv[1].rstrip('/')}/**/*.parquet"
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW hy AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"
    )
    columns = con.execute("DESCRIBE hy").fetchall()
    print("schema:")
    for name, type_, *_ in columns:
        print(f"  {name:32} {type_}")
    names = [c[0] for c in columns]
    personal = [n for n in names if any(p in n for p in ("resident", "name", "phone", "birth", "health"))]
    if personal:
        print(f"personal data columns: {personal}")
        return 1
    mismatched = con.execute(
        "SELECT count(*) FROM hy WHERE county::VARCHAR <> county_code OR year <> year(as_of)"
    ).fetchone()[0]
    if mismatched:
        print(f"{mismatched} rows whose partition keys disagree with county_code / as_of")
        return 1

    print("\nhouseholds by county and year:")
    rows = con.execute(
        "PIVOT (SELECT county, year FROM hy) ON county USING count(*) GROUP BY year ORDER BY year"
    ).fetchall()
    counties = [d[0] for d in con.execute(
        "PIVOT (SELECT county, year FROM hy) ON county USING count(*) GROUP BY year ORDER BY year"
    ).description]
    print("  " + " ".join(f"{c:>8}" for c in counties))
    for r in rows:
        print("  " + " ".join(f"{v:>8}" for v in r))

    print("\nper year (whole export):")
    print(f"  {'year':>6} {'rows':>9} {'people':>9} {'poor hh':>8} {'monitored':>9} {'income/cap':>10} {'any risk':>8}")
    for r in con.execute(
        """
        SELECT year, count(*), sum(size),
               count(*) FILTER (WHERE registry_state = 'poor'),
               count(*) FILTER (WHERE monitoring_kind IS NOT NULL),
               round(avg(per_capita_income_yuan), 0),
               count(*) FILTER (WHERE len(risk_types) > 0)
        FROM hy GROUP BY year ORDER BY year
        """
    ).fetchall():
        print("  " + f"{r[0]:>6} {r[1]:>9} {r[2]:>9} {r[3]:>8} {r[4]:>9} {r[5]:>10} {r[6]:>8}")

    # Two other readers, if installed: Arrow's C++ Parquet reader and Polars' own.
    total = con.execute("SELECT count(*) FROM hy").fetchone()[0]
    try:
        import pyarrow.dataset as ds

        n = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").count_rows()
        print(f"\npyarrow (hive partitioning): {n} rows" + ("" if n == total else " — DIFFERS"))
        if n != total:
            return 1
    except ImportError:
        pass
    try:
        import polars as pl

        n = pl.scan_parquet(glob, hive_partitioning=True).select(pl.len()).collect().item()
        print(f"polars (hive partitioning): {n} rows" + ("" if n == total else " — DIFFERS"))
        if n != total:
            return 1
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
