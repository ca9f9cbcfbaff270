"""The same evaluation as jingzhun's engine, written as DuckDB SQL and as Polars code, timed in one run.

Reads the files written by `compare export` (households.csv, members.csv, params.json), converts them to
Parquet with pyarrow, then times, for each of DuckDB, Polars and ours:

  1. end to end from files: read the files, evaluate every household, roll up village → province.
     DuckDB and Polars are timed both from the Parquet files and from the same CSV files ours reads.
  2. warm: data already loaded in memory (DuckDB tables, Polars DataFrames, our engine's columns);
     only evaluation + rollup is timed (minimum of --repeats runs).

Then checks that the three give the same counts for every area and every counter.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

LEVELS = [2, 4, 6, 9, 12]
PROPOSALS = [
    "should_register",
    "meets_exit",
    "wrong_exit_suspect",
    "omission_suspect",
    "monitoring_candidate",
    "risk_elimination",
    "return_to_poverty",
]
KINDS = ["unstable", "marginal", "sudden_hardship"]
GUARANTEES = ["food_clothing", "education", "medical", "housing", "water"]
COMPONENTS = [
    "wages",
    "business",
    "property_dividend",
    "property_other",
    "family_planning",
    "dibao_benefit",
    "tekun_benefit",
    "pension",
    "eco_compensation",
    "other_transfer",
]
STRING_COLS = {
    "village",
    "grade",
    "alternative",
    "registry",
    "monitoring",
    "schooling",
    "health",
    "labour",
}
DATE_COLS = {"registry_since", "monitored_since"}


def counters():
    """Names of the rollup counters, as our engine's `Rollup::fields` spells them."""
    names = [
        "households",
        "people",
        "income_known_people",
        "income_sum_fen",
        "poor_households",
        "poor_people",
        "exited_households",
        "exited_people",
        "exited_in_year_households",
        "removed_households",
        "non_registered_people",
        "monitored_people",
        "below_line_people",
        "below_monitoring_people",
        "no_labour_households",
    ]
    names += [f"monitored_households.{k}" for k in KINDS]
    names += [f"proposals.{p}" for p in PROPOSALS]
    names += [f"proposal_people.{p}" for p in PROPOSALS]
    names += [f"proposed_monitoring.{k}" for k in KINDS]
    names += [f"guarantee_failures.{g}" for g in GUARANTEES]
    return names


# ---------------------------------------------------------------------------------------------------
# DuckDB


def duck_sql(p, households, members, grouped=False):
    """The evaluation and rollup in SQL. With `grouped`, `households` carries each household's members as a
    list (`ms`, see GROUPED_SQL) and `members` is not read: the input grouped by household as our engine's
    columns are, for the warm pairing."""
    counted = " + ".join(c for c in COMPONENTS if c in p["counted_income_components"]) or "0"
    year = p["year"]
    as_of = p["as_of"]
    b = lambda x: "TRUE" if x else "FALSE"  # noqa: E731
    amin, amax = p["compulsory_school_age_min"], p["compulsory_school_age_max"]
    if grouped:
        members_of = f"""
    j AS (
        SELECT h.* EXCLUDE (ms), coalesce(len(h.ms), 0) AS size,
               coalesce(list_bool_or(list_transform(h.ms, lambda x: x.school_age BETWEEN {amin} AND {amax}
                   AND (x.schooling IS NULL OR x.schooling IN ('preschool', 'dropout', 'not_in_school')))), FALSE) AS edu_fail,
               coalesce(list_bool_or(list_transform(h.ms, lambda x: x.medical_insurance = 0)), FALSE) AS med_fail,
               coalesce(list_bool_or(list_transform(h.ms, lambda x: coalesce(x.labour IN ('ordinary', 'skilled', 'weak'), FALSE))), FALSE) AS has_labour,
               ({counted}) - production_costs AS net
        FROM {households} h
    ),"""
    else:
        members_of = f"""
    m AS (
        SELECT household_id,
               count(*) AS size,
               coalesce(bool_or(school_age BETWEEN {amin} AND {amax}
                   AND (schooling IS NULL OR schooling IN ('preschool', 'dropout', 'not_in_school'))), FALSE) AS edu_fail,
               coalesce(bool_or(medical_insurance = 0), FALSE) AS med_fail,
               coalesce(bool_or(labour IN ('ordinary', 'skilled', 'weak')), FALSE) AS has_labour
        FROM {members} GROUP BY household_id
    ),
    j AS (
        SELECT h.*, coalesce(m.size, 0) AS size, coalesce(m.edu_fail, FALSE) AS edu_fail,
               coalesce(m.med_fail, FALSE) AS med_fail, coalesce(m.has_labour, FALSE) AS has_labour,
               ({counted}) - production_costs AS net
        FROM {households} h LEFT JOIN m ON m.household_id = h.id
    ),"""
    flags = f"""
    WITH {members_of}
    k AS (
        SELECT *,
            income_known = 1 AND size > 0 AS known,
            CASE WHEN size = 0 THEN 0
                 WHEN net >= 0 THEN (net + size // 2) // size
                 ELSE -((-net + size // 2) // size) END AS pc,
            registry = 'exited' AS exited,
            food_clothing = 0 AS food_fail,
            NOT (relocated = 1 OR alternative IS NOT NULL OR coalesce(grade IN ('a', 'b'), FALSE)) AS housing_fail,
            (litres IS NULL
                OR litres < CASE WHEN dry_area = 1 THEN {p['water_litres_min_dry']} ELSE {p['water_litres_min']} END
                OR coalesce(fetch_minutes > {p['water_fetch_minutes_max']}, FALSE)
                OR coalesce(outage_days > {p['water_outage_days_max']}, FALSE)
                OR quality_ok IS DISTINCT FROM 1) AS water_fail,
            greatest((year(DATE '{as_of}') - year(monitored_since)) * 12
                + month(DATE '{as_of}') - month(monitored_since)
                - CASE WHEN day(DATE '{as_of}') < day(monitored_since) THEN 1 ELSE 0 END, 0) AS months_monitored
        FROM j
    ),
    f AS (
        SELECT *,
            known AND pc < {p['poverty_line']} AS below_line,
            known AND pc < {p['monitoring_threshold']} AS below_mon,
            food_fail OR edu_fail OR med_fail OR housing_fail OR water_fail AS any_fail,
            (med_inpatient >= CASE WHEN exited THEN {p['alert_medical_inpatient_exited']} ELSE {p['alert_medical_inpatient_other']} END
                AND CASE WHEN exited THEN {p['alert_medical_inpatient_exited']} ELSE {p['alert_medical_inpatient_other']} END > 0)
            OR (outpatient_monthly >= {p['alert_outpatient_monthly']} AND {p['alert_outpatient_monthly']} > 0)
            OR education_oop > {p['alert_education']}
            OR disaster = 1 OR accident = 1 OR job_loss = 1 AS alert
        FROM k
    ),
    g AS (
        SELECT *,
            {b(p['registration_open'])} AND registry IN ('not_registered', 'removed') AND (below_line OR any_fail) AS p_should_register,
            registry = 'poor' AND known AND NOT below_line AND NOT any_fail AS p_meets_exit,
            exited AND (below_line OR any_fail) AND {year} = coalesce(year(registry_since), 0) AS p_wrong_exit_suspect,
            {b(p['registration_open'])} AND registry = 'not_registered' AND below_line AS p_omission_suspect,
            CASE WHEN {b(p['monitoring_open'])} AND monitoring IS NULL AND registry <> 'poor' THEN
                CASE WHEN below_mon OR any_fail THEN CASE WHEN exited THEN 'unstable' ELSE 'marginal' END
                     WHEN alert THEN 'sudden_hardship' END
            END AS mon_kind,
            monitoring IS NOT NULL AND monitored_since IS NOT NULL AND known AND NOT below_mon
                AND 12 >= {p['elimination_stable_income_months']} AND NOT any_fail
                AND months_monitored >= {p['elimination_min_months_monitored']}
                AND measures >= {p['elimination_min_measures']}
                AND (has_labour OR NOT {b(p['elimination_no_labour_exception'])}) AND NOT alert AS p_risk_elimination,
            exited AND (below_line OR any_fail) AND {year} > coalesce(year(registry_since), 0) AS p_return_to_poverty
        FROM f
    )
    """
    sums = [
        "count(*) AS households",
        "sum(size) AS people",
        "sum(CASE WHEN known THEN size ELSE 0 END) AS income_known_people",
        "sum(CASE WHEN known THEN pc * size ELSE 0 END) AS income_sum_fen",
        "sum((registry = 'poor')::INT) AS poor_households",
        "sum(CASE WHEN registry = 'poor' THEN size ELSE 0 END) AS poor_people",
        "sum(exited::INT) AS exited_households",
        "sum(CASE WHEN exited THEN size ELSE 0 END) AS exited_people",
        f"sum((exited AND year(registry_since) = {year})::INT) AS exited_in_year_households",
        "sum((registry = 'removed')::INT) AS removed_households",
        "sum(CASE WHEN registry = 'not_registered' THEN size ELSE 0 END) AS non_registered_people",
        "sum(CASE WHEN monitoring IS NOT NULL THEN size ELSE 0 END) AS monitored_people",
        "sum(CASE WHEN below_line THEN size ELSE 0 END) AS below_line_people",
        "sum(CASE WHEN below_mon THEN size ELSE 0 END) AS below_monitoring_people",
        "sum((NOT has_labour)::INT) AS no_labour_households",
    ]
    sums += [f"sum((monitoring = '{k}')::INT) AS \"monitored_households.{k}\"" for k in KINDS]
    prop_expr = {pp: f"p_{pp}" for pp in PROPOSALS}
    prop_expr["monitoring_candidate"] = "(mon_kind IS NOT NULL)"
    sums += [f"sum(({prop_expr[pp]})::INT) AS \"proposals.{pp}\"" for pp in PROPOSALS]
    sums += [f"sum(CASE WHEN {prop_expr[pp]} THEN size ELSE 0 END) AS \"proposal_people.{pp}\"" for pp in PROPOSALS]
    sums += [f"sum((mon_kind = '{k}')::INT) AS \"proposed_monitoring.{k}\"" for k in KINDS]
    sums += [f"sum({gg}_fail::INT) AS \"guarantee_failures.{gg}\"" for gg in ["food", "edu", "med", "housing", "water"]]
    # Rename guarantee columns to the engine's names.
    sums = [
        s.replace('"guarantee_failures.food"', '"guarantee_failures.food_clothing"')
        .replace('"guarantee_failures.edu"', '"guarantee_failures.education"')
        .replace('"guarantee_failures.med"', '"guarantee_failures.medical"')
        for s in sums
    ]
    sums = [f"({s.rsplit(' AS ', 1)[0]})::BIGINT AS {s.rsplit(' AS ', 1)[1]}" for s in sums]
    # As the engine does: totals per village once, then the villages' totals summed up the tree (each
    # higher level reads the small village table, not the households again).
    names = [s.rsplit(" AS ", 1)[1] for s in sums]
    resum = ", ".join(f"sum({n})::BIGINT AS {n}" for n in names)
    village_level = max(LEVELS)
    higher = "\n".join(
        f"UNION ALL SELECT substr(area, 1, {n}) AS area, {resum} FROM v GROUP BY 1"
        for n in sorted(LEVELS, reverse=True)
        if n != village_level
    )
    return f"""
    {flags},
    v AS (SELECT village AS area, {", ".join(sums)} FROM g GROUP BY village)
    SELECT * FROM v
    {higher}
    """


# The warm pairing's input grouped by household, as our engine holds it (members contiguous per household):
# each household row with its members as a list of structs, built before timing.
GROUPED_SQL = """
CREATE TABLE households_grouped AS
SELECT h.*, m.ms FROM households h LEFT JOIN (
    SELECT household_id, list(struct_pack(school_age, schooling, medical_insurance, labour)) AS ms
    FROM members GROUP BY household_id
) m ON m.household_id = h.id
"""


def duck_run(con, sql):
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


# ---------------------------------------------------------------------------------------------------
# Polars


def polars_grouped(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """The warm pairing's input grouped by household, as our engine holds it: each household row with its
    members as a list of structs (`ms`), built before timing."""
    ms = members.group_by("household_id").agg(
        pl.struct("school_age", "schooling", "medical_insurance", "labour").alias("ms")
    )
    return households.join(ms, left_on="id", right_on="household_id", how="left")


def polars_eval(p, households: pl.LazyFrame, members, grouped=False) -> pl.DataFrame:
    """The evaluation and rollup in Polars; with `grouped`, `households` carries the members (see
    `polars_grouped`) and `members` is not read."""
    c = pl.col
    amin, amax = p["compulsory_school_age_min"], p["compulsory_school_age_max"]
    if grouped:
        e = pl.element().struct.field
        households = households.with_columns(
            c("ms").list.len().fill_null(0).alias("size"),
            c("ms")
            .list.eval(
                e("school_age").is_between(amin, amax)
                & (e("schooling").is_null() | e("schooling").is_in(["preschool", "dropout", "not_in_school"]))
            )
            .list.any()
            .alias("edu_fail"),
            c("ms").list.eval(e("medical_insurance") == 0).list.any().alias("med_fail"),
            c("ms")
            .list.eval(e("labour").is_in(["ordinary", "skilled", "weak"]).fill_null(False))
            .list.any()
            .alias("has_labour"),
        ).drop("ms")
    m = None if grouped else members.group_by("household_id").agg(
        pl.len().alias("size"),
        (c("school_age").is_between(amin, amax) & (c("schooling").is_null() | c("schooling").is_in(["preschool", "dropout", "not_in_school"])))
        .any()
        .alias("edu_fail"),
        (c("medical_insurance") == 0).any().alias("med_fail"),
        c("labour").is_in(["ordinary", "skilled", "weak"]).fill_null(False).any().alias("has_labour"),
    )
    counted = [x for x in COMPONENTS if x in p["counted_income_components"]]
    net = pl.sum_horizontal([c(x) for x in counted]) - c("production_costs") if counted else -c("production_costs")
    as_of = p["as_of"]
    ay, am, ad = (int(x) for x in as_of.split("-"))
    year = p["year"]
    j = (households if grouped else households.join(m, left_on="id", right_on="household_id", how="left")).with_columns(
        c("size").fill_null(0).cast(pl.Int64),
        c("edu_fail").fill_null(False),
        c("med_fail").fill_null(False),
        c("has_labour").fill_null(False),
        net.alias("net"),
    )
    half = c("size") // 2
    k = j.with_columns(
        ((c("income_known") == 1) & (c("size") > 0)).alias("known"),
        pl.when(c("size") == 0)
        .then(0)
        .when(c("net") >= 0)
        .then((c("net") + half) // c("size"))
        .otherwise(-((-c("net") + half) // c("size")))
        .alias("pc"),
        (c("registry") == "exited").alias("exited"),
        (c("food_clothing") == 0).alias("food_fail"),
        (~((c("relocated") == 1) | c("alternative").is_not_null() | c("grade").is_in(["a", "b"]).fill_null(False))).alias(
            "housing_fail"
        ),
        (
            c("litres").is_null()
            | (c("litres") < pl.when(c("dry_area") == 1).then(p["water_litres_min_dry"]).otherwise(p["water_litres_min"]))
            | (c("fetch_minutes") > p["water_fetch_minutes_max"]).fill_null(False)
            | (c("outage_days") > p["water_outage_days_max"]).fill_null(False)
            | (c("quality_ok") != 1).fill_null(True)
        ).alias("water_fail"),
        pl.max_horizontal(
            (ay - c("monitored_since").dt.year().cast(pl.Int64)) * 12
            + am
            - c("monitored_since").dt.month().cast(pl.Int64)
            - (c("monitored_since").dt.day() > ad).cast(pl.Int64),
            pl.lit(0),
        ).alias("months_monitored"),
    )
    limit = pl.when(c("exited")).then(p["alert_medical_inpatient_exited"]).otherwise(p["alert_medical_inpatient_other"])
    f = k.with_columns(
        (c("known") & (c("pc") < p["poverty_line"])).alias("below_line"),
        (c("known") & (c("pc") < p["monitoring_threshold"])).alias("below_mon"),
        (c("food_fail") | c("edu_fail") | c("med_fail") | c("housing_fail") | c("water_fail")).alias("any_fail"),
        (
            ((c("med_inpatient") >= limit) & (limit > 0))
            | ((c("outpatient_monthly") >= p["alert_outpatient_monthly"]) & pl.lit(p["alert_outpatient_monthly"] > 0))
            | (c("education_oop") > p["alert_education"])
            | (c("disaster") == 1)
            | (c("accident") == 1)
            | (c("job_loss") == 1)
        ).alias("alert"),
    )
    reg_open = pl.lit(bool(p["registration_open"]))
    mon_open = pl.lit(bool(p["monitoring_open"]))
    poorish = c("below_line") | c("any_fail")
    exit_year = c("registry_since").dt.year().cast(pl.Int64).fill_null(0)
    g = f.with_columns(
        (reg_open & c("registry").is_in(["not_registered", "removed"]) & poorish).alias("p_should_register"),
        ((c("registry") == "poor") & c("known") & ~c("below_line") & ~c("any_fail")).alias("p_meets_exit"),
        (c("exited") & poorish & (exit_year == year)).alias("p_wrong_exit_suspect"),
        (reg_open & (c("registry") == "not_registered") & c("below_line")).alias("p_omission_suspect"),
        pl.when(mon_open & c("monitoring").is_null() & (c("registry") != "poor"))
        .then(
            pl.when(c("below_mon") | c("any_fail"))
            .then(pl.when(c("exited")).then(pl.lit("unstable")).otherwise(pl.lit("marginal")))
            .when(c("alert"))
            .then(pl.lit("sudden_hardship"))
        )
        .alias("mon_kind"),
        (
            c("monitoring").is_not_null()
            & c("monitored_since").is_not_null()
            & c("known")
            & ~c("below_mon")
            & pl.lit(12 >= p["elimination_stable_income_months"])
            & ~c("any_fail")
            & (c("months_monitored") >= p["elimination_min_months_monitored"]).fill_null(False)
            & (c("measures") >= p["elimination_min_measures"])
            & (c("has_labour") | pl.lit(not p["elimination_no_labour_exception"]))
            & ~c("alert")
        ).alias("p_risk_elimination"),
        (c("exited") & poorish & (year > exit_year)).alias("p_return_to_poverty"),
    ).with_columns((c("mon_kind").is_not_null()).alias("p_monitoring_candidate"))

    size = c("size")
    sized = lambda cond: pl.when(cond).then(size).otherwise(0).sum()  # noqa: E731
    aggs = [
        pl.len().cast(pl.Int64).alias("households"),
        size.sum().alias("people"),
        sized(c("known")).alias("income_known_people"),
        pl.when(c("known")).then(c("pc") * size).otherwise(0).sum().alias("income_sum_fen"),
        (c("registry") == "poor").sum().alias("poor_households"),
        sized(c("registry") == "poor").alias("poor_people"),
        c("exited").sum().alias("exited_households"),
        sized(c("exited")).alias("exited_people"),
        (c("exited") & (exit_year == year)).sum().alias("exited_in_year_households"),
        (c("registry") == "removed").sum().alias("removed_households"),
        sized(c("registry") == "not_registered").alias("non_registered_people"),
        sized(c("monitoring").is_not_null()).alias("monitored_people"),
        sized(c("below_line")).alias("below_line_people"),
        sized(c("below_mon")).alias("below_monitoring_people"),
        (~c("has_labour")).sum().alias("no_labour_households"),
    ]
    aggs += [(c("monitoring") == k).fill_null(False).sum().alias(f"monitored_households.{k}") for k in KINDS]
    aggs += [c(f"p_{pp}").sum().alias(f"proposals.{pp}") for pp in PROPOSALS]
    aggs += [sized(c(f"p_{pp}")).alias(f"proposal_people.{pp}") for pp in PROPOSALS]
    aggs += [(c("mon_kind") == k).fill_null(False).sum().alias(f"proposed_monitoring.{k}") for k in KINDS]
    for name, col in zip(GUARANTEES, ["food_fail", "edu_fail", "med_fail", "housing_fail", "water_fail"]):
        aggs.append(c(col).sum().alias(f"guarantee_failures.{name}"))
    # As the engine does: totals per village once (one pass over the households), then the villages'
    # totals summed up the tree.
    villages = g.group_by("village").agg(aggs).rename({"village": "area"}).collect()
    villages = villages.with_columns(pl.all().exclude("area").cast(pl.Int64))
    higher = [
        villages.lazy()
        .with_columns(c("area").str.slice(0, n))
        .group_by("area")
        .agg(pl.all().sum())
        for n in sorted(LEVELS, reverse=True)
        if n != max(LEVELS)
    ]
    return pl.concat([villages] + pl.collect_all(higher))


# ---------------------------------------------------------------------------------------------------


def normalise(rows):
    out = {}
    for r in rows:
        out[str(r["area"])] = {k: int(r.get(k) or 0) for k in counters()}
    return out


def compare(name, ours, theirs):
    bad = []
    for area, fields in ours.items():
        other = theirs.get(area)
        if other is None:
            bad.append(f"{name}: 缺少区划 {area}")
            continue
        for k, v in fields.items():
            if other[k] != v:
                bad.append(f"{name}: {area} {k}: 我们 {v}, 对方 {other[k]}")
    extra = set(theirs) - set(ours)
    if extra:
        bad.append(f"{name}: 多出的区划 {sorted(extra)[:5]}")
    return bad


def best(fn, repeats):
    times = []
    result = None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--bin", required=True, help="our `compare` example binary")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=None, help="write the results table (markdown) here")
    args = ap.parse_args()
    d = args.data
    params = json.load(open(os.path.join(d, "params.json")))
    hcsv, mcsv = os.path.join(d, "households.csv"), os.path.join(d, "members.csv")
    hpq, mpq = os.path.join(d, "households.parquet"), os.path.join(d, "members.parquet")

    # Parquet conversion (not timed): explicit types so that every engine sees the same schema.
    for csv_path, pq_path in [(hcsv, hpq), (mcsv, mpq)]:
        if os.path.exists(pq_path) and os.path.getmtime(pq_path) > os.path.getmtime(csv_path):
            continue
        header = open(csv_path).readline().strip().split(",")
        types = {}
        for col in header:
            if col in STRING_COLS:
                types[col] = pa.string()
            elif col in DATE_COLS:
                types[col] = pa.date32()
            else:
                types[col] = pa.int64()
        table = pacsv.read_csv(
            csv_path,
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
        pq.write_table(table, pq_path)
    polars_schema = {}
    for csv_path in [hcsv, mcsv]:
        for col in open(csv_path).readline().strip().split(","):
            polars_schema[col] = pl.Utf8 if col in STRING_COLS else pl.Date if col in DATE_COLS else pl.Int64

    def pl_schema(path):
        cols = open(path).readline().strip().split(",")
        return {col: polars_schema[col] for col in cols}

    duck_types = lambda path: "{" + ", ".join(  # noqa: E731
        f"'{col}': '{'VARCHAR' if col in STRING_COLS else 'DATE' if col in DATE_COLS else 'BIGINT'}'"
        for col in open(path).readline().strip().split(",")
    ) + "}"

    results = {}
    load_at_start = os.getloadavg()[0]
    print(f"data: {d}; machine: {os.cpu_count()} CPUs; load {os.getloadavg()}", flush=True)

    # The end-to-end runs are interleaved round by round (ours, DuckDB ×2, Polars ×2), so that load from
    # other processes on a shared machine hits all of them alike; each keeps its best round.
    rounds = min(3, args.repeats)
    ours_json = os.path.join(d, "ours.json")
    con = duckdb.connect()
    sql_pq = duck_sql(params, f"read_parquet('{hpq}')", f"read_parquet('{mpq}')")
    sql_csv = duck_sql(
        params,
        f"read_csv('{hcsv}', header = true, columns = {duck_types(hcsv)})",
        f"read_csv('{mcsv}', header = true, columns = {duck_types(mcsv)})",
    )
    inf = float("inf")
    e2e = {k: inf for k in ["ours", "duck_pq", "duck_csv", "polars_pq", "polars_csv"]}
    ours_warm = inf
    ours = None
    for r in range(rounds):
        # Ours times itself (end to end once, then warm evaluations) and writes its rollups.
        subprocess.run([args.bin, "run", d, str(args.repeats), ours_json], check=True)
        ours = json.load(open(ours_json))
        e2e["ours"] = min(e2e["ours"], ours["e2e_s"])
        ours_warm = min(ours_warm, min(ours["warm_s"]))
        e2e["duck_pq"] = min(e2e["duck_pq"], best(lambda: duck_run(con, sql_pq), 1)[0])
        e2e["duck_csv"] = min(e2e["duck_csv"], best(lambda: duck_run(con, sql_csv), 1)[0])
        e2e["polars_pq"] = min(
            e2e["polars_pq"], best(lambda: polars_eval(params, pl.scan_parquet(hpq), pl.scan_parquet(mpq)), 1)[0]
        )
        e2e["polars_csv"] = min(
            e2e["polars_csv"],
            best(
                lambda: polars_eval(
                    params,
                    pl.scan_csv(hcsv, schema=pl_schema(hcsv)),
                    pl.scan_csv(mcsv, schema=pl_schema(mcsv)),
                ),
                1,
            )[0],
        )
        print(f"round {r + 1}: {e2e}", flush=True)
    results["ours"] = {"e2e_csv": e2e["ours"], "warm": ours_warm}
    ours_rows = normalise(ours["rollups"])

    # Warm: data loaded into memory first (not timed), then evaluation + rollup only.
    con.execute(f"CREATE TABLE households AS SELECT * FROM read_parquet('{hpq}')")
    con.execute(f"CREATE TABLE members AS SELECT * FROM read_parquet('{mpq}')")
    warm_flat, duck_rows = best(lambda: duck_run(con, duck_sql(params, "households", "members")), args.repeats)
    # The same input as ours in the warm pairing: members grouped by household before timing.
    con.execute(GROUPED_SQL)
    warm, duck_grouped_rows = best(
        lambda: duck_run(con, duck_sql(params, "households_grouped", None, grouped=True)), args.repeats
    )
    results["duckdb"] = {
        "e2e_parquet": e2e["duck_pq"],
        "e2e_csv": e2e["duck_csv"],
        "warm": warm,
        "warm_flat": warm_flat,
    }
    print(f"duckdb {duckdb.__version__}: {results['duckdb']}", flush=True)
    con.close()
    hdf, mdf = pl.read_parquet(hpq), pl.read_parquet(mpq)
    warm_flat, polars_df = best(lambda: polars_eval(params, hdf.lazy(), mdf.lazy()), args.repeats)
    gdf = polars_grouped(hdf, mdf)
    warm, polars_grouped_df = best(lambda: polars_eval(params, gdf.lazy(), None, grouped=True), args.repeats)
    results["polars"] = {
        "e2e_parquet": e2e["polars_pq"],
        "e2e_csv": e2e["polars_csv"],
        "warm": warm,
        "warm_flat": warm_flat,
    }
    print(f"polars {pl.__version__}: {results['polars']}", flush=True)

    problems = compare("duckdb", ours_rows, normalise(duck_rows))
    problems += compare("duckdb (grouped)", ours_rows, normalise(duck_grouped_rows))
    problems += compare("polars", ours_rows, normalise(polars_df.to_dicts()))
    problems += compare("polars (grouped)", ours_rows, normalise(polars_grouped_df.to_dicts()))
    total = ours_rows.get("51", {})
    lines = [
        f"{ours['households']:,} households, {ours['members']:,} members, {len(ours_rows):,} areas; "
        f"{os.cpu_count()} CPUs; load average {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; "
        f"duckdb {duckdb.__version__}, polars {pl.__version__}, pyarrow {pa.__version__}",
        "",
        "| | end to end from CSV (best of %d rounds) | end to end from Parquet (best of %d rounds) "
        "| warm, grouped by household (best of %d) | warm, members as a flat table |"
        % (rounds, rounds, args.repeats),
        "|---|---|---|---|---|",
        "| jingzhun engine | %.3f s | — (no Parquet reader) | %.3f s | — |"
        % (results["ours"]["e2e_csv"], results["ours"]["warm"]),
        "| DuckDB SQL | %.3f s | %.3f s | %.3f s | %.3f s |"
        % (
            results["duckdb"]["e2e_csv"],
            results["duckdb"]["e2e_parquet"],
            results["duckdb"]["warm"],
            results["duckdb"]["warm_flat"],
        ),
        "| Polars | %.3f s | %.3f s | %.3f s | %.3f s |"
        % (
            results["polars"]["e2e_csv"],
            results["polars"]["e2e_parquet"],
            results["polars"]["warm"],
            results["polars"]["warm_flat"],
        ),
        "",
        "Same counts: %s (%d areas × %d counters compared with each)."
        % ("yes" if not problems else "NO, %d differences" % len(problems), len(ours_rows), len(counters())),
        "Province totals: monitoring proposals %s, return to poverty %s, guarantee failures (education) %s."
        % (
            total.get("proposals.monitoring_candidate"),
            total.get("proposals.return_to_poverty"),
            total.get("guarantee_failures.education"),
        ),
    ]
    text = "\n".join(lines)
    print()
    print(text)
    for p in problems[:20]:
        print(p, file=sys.stderr)
    if args.out:
        open(args.out, "w").write(text + "\n")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
