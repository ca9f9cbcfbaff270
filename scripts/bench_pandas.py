#!/usr/bin/env python3
"""The comparison the import benchmark is measured against: pandas read_excel / read_csv + to_sql into SQLite
of the same household file (no validation, no grouping, one flat table).

    .venv/bin/pip install pandas openpyxl
    .venv/bin/python scripts/bench_pandas.py bench-data/households_1000000.xlsx [more files...]

Prints one line per file: rows, read time, write time. IDs and codes are read as text (dtype=str), as the
importer does; the SQLite file is written next to the input and removed afterwards.
"""

import os
import sqlite3
import sys
import time

import pandas as pd

TEXT = {"户编号": str, "行政区划代码": str, "证件号码": str, "联系电话": str}


def run(path):
    started = time.perf_counter()
    if path.endswith(".csv"):
        frame = pd.read_csv(path, dtype=TEXT, encoding="utf-8-sig")
    else:
        frame = pd.read_excel(path, dtype=TEXT)
    read = time.perf_counter() - started
    db = path + ".pandas.sqlite"
    if os.path.exists(db):
        os.remove(db)
    started = time.perf_counter()
    with sqlite3.connect(db) as conn:
        frame.to_sql("members", conn, index=False, chunksize=50_000)
    write = time.perf_counter() - started
    os.remove(db)
    print(f"pandas {os.path.basename(path)}: {len(frame)} 行, 读取 {read:.1f} s, 写入 SQLite {write:.1f} s, "
          f"合计 {read + write:.1f} s")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        run(p)
