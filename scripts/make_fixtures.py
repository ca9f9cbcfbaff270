#!/usr/bin/env python3
"""Writes the spreadsheet fixtures under tests/fixtures/ with another program than ours (openpyxl), so that the
importer is tested on files it did not write itself. Deterministic: running it again gives the same content.

    python3 -m venv .venv && .venv/bin/pip install openpyxl
    .venv/bin/python scripts/make_fixtures.py

What each file holds, and what the tests in crates/io/tests/it/fixtures.rs expect of it:

- households_merged.xlsx: a merged title row, a two-level merged header (group titles over the household,
  member and income columns; 户编号 etc. merged downwards), real Excel dates, text dates, full-width digits
  and stray spaces, an unknown column 备注. 3 households, 7 members, no problem.
- households_ids_as_numbers.xlsx: 4 members, the IDs of rows 3 and 5 stored as numbers (digits lost).
- households_formulas.xlsx: a formula in 工资性收入 (row 3) and in 姓名 (row 4), and a formula in an unknown
  column (ignored).
- households_gbk.csv: GBK-encoded CSV, full-width digits, 3 members in 2 households, no problem.
- households_10000.xlsx: 10,000 member rows in 2,500 households, no problem.
- department_medical.csv: a 医保 list (UTF-8 with BOM) keyed by resident ID, used by the quality tests.
- department_formula.xlsx: a 医保 list whose amount in row 3 is a formula (refused) and whose 备注 column
  has a formula (ignored).
"""

import csv
import datetime
import io
import os
import random

import openpyxl
from openpyxl.styles import Font

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures")

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def rid(region, birth, seq):
    first17 = f"{region}{birth}{seq:03d}"
    s = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return first17 + CHECK[s % 11]


def full_width(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


HH_COLS = ["户编号", "行政区划代码", "自然村", "联系电话", "贫困户属性", "主要致贫原因", "首次识别时间"]
MEMBER_COLS = ["姓名", "证件号码", "与户主关系", "健康状况", "劳动技能", "在校生状况"]
INCOME_COLS = ["收入年度", "工资性收入", "低保金", "生产经营性支出"]
FLAT_HEADER = HH_COLS + MEMBER_COLS + INCOME_COLS


def save(wb, name):
    path = os.path.join(OUT, name)
    wb.save(path)
    # Fixed timestamps in docProps would be nicer; openpyxl writes the current time, which only changes
    # metadata, never cell content.
    print("wrote", path)


def merged():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "建档立卡户"
    width = len(FLAT_HEADER) + 1
    ws.cell(row=1, column=1, value="巴州区建档立卡贫困户家庭成员信息表(2023年)")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    groups = [("家庭基本情况", HH_COLS), ("家庭成员情况", MEMBER_COLS), ("收入情况(元)", INCOME_COLS)]
    col = 1
    for title, cols in groups:
        ws.cell(row=2, column=col, value=title)
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(cols) - 1)
        for i, name in enumerate(cols):
            ws.cell(row=3, column=col + i, value=name)
        col += len(cols)
    ws.cell(row=2, column=col, value="备注")
    ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    for c in ws[3]:
        c.font = Font(bold=True)
    rows = [
        ["5119020010010001", "511902001001", "一组", "13812345678", "一般贫困户", "因病",
         datetime.datetime(2014, 10, 1), "张三", rid("511902", "19700315", 11), "户主", "健康",
         "普通劳动力", None, 2023, 18000, 0, 1200.5, None],
        ["5119020010010001", "511902001001", None, None, None, None, None, " 李 四 ",
         full_width(rid("513701", "19720520", 22)), "配偶", "长期慢性病", "弱劳动力或半劳动力", None,
         2023, None, None, None, "妻子"],
        ["5119020010010001", "511902001001", None, None, None, None, None, "张小五",
         rid("511902", "20100101", 33), "之子", "健康", None, "小学", 2023, None, None, None, None],
        ["5119020010010002", "511902001001", "二组", None, "低保贫困户", "因残", "2015/03/20", "王六",
         rid("511902", "19601230", 51), "户主", "残疾", "丧失劳动力", None, 2023, 0, 4800, 0, None],
        ["5119020010010002", "511902001001", None, None, None, None, None, "赵七",
         rid("513002", "19620808", 62), "妻", "健康", "普通劳动力", None, 2023, None, None, None, None],
        [full_width("5119020020030007"), "５１１９０２００２００３", "三组", None, "一般贫困户", "缺技术",
         "2014年10月1日", "孙八", rid("511902", "19850505", 71), "户主", "健康", "技能劳动力", None, 2023,
         36000, 0, 2000, None],
        ["5119020020030007", "511902002003", None, None, None, None, None, "孙小九",
         rid("511902", "20080808", 82), "之女", "健康", None, "初中", 2023, None, None, None, None],
    ]
    for r in rows:
        ws.append(r)
    ws["G4"].number_format = "yyyy-mm-dd"
    save(wb, "households_merged.xlsx")


def simple_sheet(title):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["户编号", "行政区划代码", "姓名", "证件号码", "与户主关系", "收入年度", "工资性收入", "人均收入"])
    return wb, ws


def ids_as_numbers():
    wb, ws = simple_sheet("Sheet1")
    ids = [rid("511902", "19700315", 11), rid("511902", "19720520", 22),
           rid("511902", "19601230", 51), rid("511902", "19620808", 62)]
    ws.append(["5119020010010001", "511902001001", "张三", ids[0], "户主", 2023, 1000, None])
    ws.append(["5119020010010001", "511902001001", "李四", int(ids[1]), "配偶", 2023, 0, None])
    ws.append(["5119020010010002", "511902001001", "王六", ids[2], "户主", 2023, 1000, None])
    ws.append(["5119020010010002", "511902001001", "赵七", int(ids[3]), "配偶", 2023, 0, None])
    save(wb, "households_ids_as_numbers.xlsx")


def formulas():
    wb, ws = simple_sheet("Sheet1")
    ws.append(["5119020010010001", "511902001001", "张三", rid("511902", "19700315", 11), "户主", 2023,
               "=1000*12", "=G2/2"])
    ws.append(["5119020010010001", "511902001001", '=HYPERLINK("http://example.invalid","李四")',
               rid("511902", "19720520", 22), "配偶", 2023, None, None])
    ws.append(["5119020010010002", "511902001001", "王六", rid("511902", "19601230", 51), "户主", 2023,
               6000, "=G4"])
    save(wb, "households_formulas.xlsx")


def gbk_csv():
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["户编号", "行政区划代码", "姓名", "证件号码", "与户主关系", "健康状况", "务工时间", "首次识别时间"])
    w.writerow([full_width("5119020010010001"), "511902001001", "张三", rid("511902", "19700315", 11),
                "户主", "健康", "１０", "2014-10-01"])
    w.writerow(["5119020010010001", " 511902001001 ", "欧阳 娜", rid("511902", "19720520", 22), "妻",
                "长期慢性病", "0", ""])
    w.writerow(["5119020020030007", "511902002003", "孙八", rid("511902", "19850505", 71), "户主",
                "患有大病", "", "20141001"])
    with open(os.path.join(OUT, "households_gbk.csv"), "wb") as f:
        f.write(buf.getvalue().encode("gbk"))
    print("wrote households_gbk.csv")


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def big():
    rng = random.Random(20231231)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("户籍信息")
    ws.append(["户编号", "行政区划代码", "主要致贫原因", "姓名", "证件号码", "与户主关系", "健康状况",
               "收入年度", "工资性收入", "低保金"])
    seq = 0
    used = set()
    for h in range(2500):
        village = f"5119{rng.choice(['02', '03', '21', '22', '23'])}{rng.randint(1, 30):03d}{rng.randint(1, 20):03d}"
        number = f"{village}{h:04d}"
        cause = rng.choice(["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金"])
        year = rng.randint(1950, 1985)
        for m, rel in enumerate(["户主", "配偶", "之子", "之女"]):
            seq += 1
            birth = f"{year + (0 if m < 2 else 25)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            sex_seq = (seq % 500) * 2 + (1 if rel in ("户主", "之子") else 0)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            while rid("511902", birth, sex_seq) in used:
                sex_seq = (sex_seq + 2) % 1000
            used.add(rid("511902", birth, sex_seq))
            ws.append([number, village, cause if m == 0 else None, name, rid("511902", birth, sex_seq),
                       rel, rng.choice(["健康", "健康", "长期慢性病"]), 2023,
                       rng.randint(0, 40000) if m == 0 else None, None])
    save(wb, "households_10000.xlsx")


def department():
    with open(os.path.join(OUT, "department_medical.csv"), "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号码", "姓名", "住院自付金额(元)", "结算日期"])
        w.writerow([rid("511902", "19700315", 11), "张三", "5000", "2023-05-01"])
        w.writerow([rid("513701", "19720520", 22), "李四", "4999.99", "2023-06-01"])
        w.writerow([rid("511902", "19990101", 99), "不在册", "30000", "2023-07-01"])
    print("wrote department_medical.csv")


def department_formula():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "医保"
    ws.append(["身份证号码", "住院自付金额", "备注"])
    ws.append([rid("511902", "19700315", 11), 6000, "=1+1"])
    ws.append([rid("513701", "19720520", 22), "=3000*2", None])
    save(wb, "department_formula.xlsx")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    merged()
    ids_as_numbers()
    formulas()
    gbk_csv()
    big()
    department()
    department_formula()
