#!/usr/bin/env python3
"""The comparison the import benchmark is measured against: pandas read_excel / read_csv + to_sql into SQLite
of the same household file (no validation, no grouping: each sheet one flat table).

    .venv/bin/pip install pandas openpyxl python-calamine
    .venv/bin/python scripts/bench_pandas.py bench-data/households_1000000.xlsx [more files...]

An XLSX file is read whole — every sheet (`sheet_name=None`), as the importer reads every sheet — once with
each engine pandas offers: openpyxl (its default) and calamine (the Rust reader the importer also uses,
through python-calamine; pandas 2.2 or later). A CSV file is read once. Prints one line per file and
engine: rows (all sheets), read time, write time. IDs and codes are read as text (dtype=str), as the
importer does; the SQLite file is written next to the input and removed afterwards.
"""

import os
import sqlite3
import sys
import time

import pandas as pd

TEXT = {"户编号": str, "行政区划代码": str, "证件号码": str, "联系电话": str}


def engines():
    """The XLSX engines to time: openpyxl always, calamine when python-calamine is installed."""
    found = ["openpyxl"]
    try:
        import python_calamine  # noqa: F401

        found.append("calamine")
    except ImportError:
        print("python-calamine 未安装, 只测 openpyxl (pip install python-calamine)", file=sys.stderr)
    return found


def read(path, engine):
    """Every sheet of the file as {name: frame}."""
    if path.endswith(".csv"):
        return {"members": pd.read_csv(path, dtype=TEXT, encoding="utf-8-sig")}
    return pd.read_excel(path, sheet_name=None, dtype=TEXT, engine=engine)


def run(path, engine):
    started = time.perf_counter()
    sheets = read(path, engine)
    read_s = time.perf_counter() - started
    db = path + ".pandas.sqlite"
    if os.path.exists(db):
        os.remove(db)
    started = time.perf_counter()
    with sqlite3.connect(db) as conn:
        for i, frame in enumerate(sheets.values()):
            frame.to_sql(f"sheet{i}", conn, index=False, chunksize=50_000)
    write_s = time.perf_counter() - started
    os.remove(db)
    rows = sum(len(f) for f in sheets.values())
    label = "csv" if path.endswith(".csv") else engine
    print(f"pandas ({label}) {os.path.basename(path)}: {len(sheets)} 个工作表 {rows} 行, 读取 {read_s:.1f} s, "
          f"写入 SQLite {write_s:.1f} s, 合计 {read_s + write_s:.1f} s")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        for e in ([None] if p.endswith(".csv") else engines()):
            run(p, e)
