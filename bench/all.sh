#!/usr/bin/env bash
# Reruns every benchmark BENCHMARKS.md reports, one step after the other, with the scripts and examples that
# already exist (this file only orders them, picks the scale and records the conditions). Each step writes
# its raw output to RESULTS/STEP.txt, headed by the commit, the time and the 1/5/15-minute load average
# before it, and ended by the load average after it, its wall time and its exit status; RESULTS/machine.txt
# holds nproc, CPU, memory, disk and the toolchain; RESULTS/summary.tsv one line per step.
#
#   bench/all.sh                      # every step, full scale (the scales BENCHMARKS.md reports)
#   bench/all.sh --quick              # every step at a small scale: checks the script, not the code's speed
#   bench/all.sh --steps demo,reports # only these steps (in the order below); --skip STEP,... leaves some out
#   bench/all.sh --list               # the steps and what each one runs
#   bench/all.sh --out DIR            # results directory (default bench-results/COMMIT-DATE)
#   bench/all.sh --no-build           # use the binaries as built (e.g. to finish a run after a merge)
#
# Environment: BENCH_PG (default postgres://jingzhun:jingzhun@127.0.0.1:5432) and BENCH_PG_PREFIX (default
# jz_bench) name the PostgreSQL server and the databases the steps create (PREFIX_demo, PREFIX_bulk, …;
# dropped at the end of each step except PREFIX_demo, which the PostgreSQL web and report steps reuse: it
# takes ~13 minutes to build at full scale; BENCH_PG_REBUILD=1 builds it again, `--drop-pg` drops it).
# BENCH_WORK (default /tmp/jz-bench) holds the scratch files (the demo databases, generated files); they are
# removed by the steps that make them, except the SQLite demo database (reused like the PostgreSQL one).
# Needs: the release build (`cargo build --release -p jingzhun --bin jingzhun -p jingzhun-web --example
# serve_bench`; the steps build their other examples), wrk, curl, python3 with venv, Java 17 + PySpark for
# the Spark step (scripts/spark_check.sh installs them), /usr/bin/time.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

STEPS=(demo reports indicators parquet scans whatif web_sqlite web_sqlite_busy demo_pg reports_pg web_pg_busy
    pool national engine compare import parsing bulk monitoring monitoring_import downloads workflow synth spark)

quick=0 out="" only="" skip="" drop_pg=0 build=1
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    --steps) only=$2; shift ;;
    --skip) skip=$2; shift ;;
    --drop-pg) drop_pg=1 ;;
    --no-build) build=0 ;;
    --list)
        sed -n '/^# STEP /s/^# STEP //p' "$0"
        exit 0 ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

commit=$(git rev-parse --short HEAD)
dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with uncommitted changes)" || true)
out=${out:-$ROOT/bench-results/$commit-$(date -u +%Y%m%dT%H%MZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
W=${BENCH_WORK:-/tmp/jz-bench}
mkdir -p "$W"
export TMPDIR=$W
PG=${BENCH_PG:-postgres://jingzhun:jingzhun@127.0.0.1:5432}
PGP=${BENCH_PG_PREFIX:-jz_bench}
T=${CARGO_TARGET_DIR:-$ROOT/target}
JZ=$T/release/jingzhun
VENV=$ROOT/bench/compare/.venv
PY=$VENV/bin/python

# The scales: full = what BENCHMARKS.md reports; quick = small enough to run every step in a few minutes.
if [ $quick = 1 ]; then
    DEMO_SCALE=0.02 ENGINE_N="100000 300000" COMPARE="20000 1" IMPORT_SCALE=0.01 PARSE_ROWS=20000 XLSX_ROWS=5000
    BULK_SQLITE=20000 BULK_PG=10000 MON_N=5000 MONIMP_SCALE=0.05 DL_SCALE=0.02 WF_N=5000 SYNTH_SCALE=0.005
    NAT_SCALE=0.001 SPARK_SCALE=0.02 POOL_SCALE=0.05 WEB_SECONDS=2 BUSY_SECONDS=3 LOAD_SCALE=0.02
else
    DEMO_SCALE=1 ENGINE_N="1000000 10000000" COMPARE="1000000 2" IMPORT_SCALE=0.33 PARSE_ROWS=1000000
    XLSX_ROWS=100000 BULK_SQLITE=1000000 BULK_PG=200000 MON_N=100000 MONIMP_SCALE=0.5 DL_SCALE=0.25
    WF_N=100000 SYNTH_SCALE=0.1 NAT_SCALE=0.02 SPARK_SCALE=1 POOL_SCALE=1 WEB_SECONDS=5 BUSY_SECONDS=15
    LOAD_SCALE=1
fi
# Any of them can be set from the environment, e.g. BENCH_NAT_SCALE=0.1.
for v in DEMO_SCALE ENGINE_N COMPARE IMPORT_SCALE PARSE_ROWS XLSX_ROWS BULK_SQLITE BULK_PG MON_N MONIMP_SCALE \
    DL_SCALE WF_N SYNTH_SCALE NAT_SCALE SPARK_SCALE POOL_SCALE WEB_SECONDS BUSY_SECONDS LOAD_SCALE; do
    e=BENCH_$v
    [ -n "${!e:-}" ] && printf -v "$v" '%s' "${!e}"
done

# Ports of the servers the web steps start; two runs at once need different bases (BENCH_PORT_BASE).
PORT=${BENCH_PORT_BASE:-18089}
load() { cut -d' ' -f1-3 /proc/loadavg; }
timed() { /usr/bin/time -f 'TIME wall %e s, user %U s, sys %S s, peak RSS %M KiB, exit %x' "$@"; }
pgdb() { echo "$PG/${PGP}_$1"; }
pg_fresh() { # drop and create PREFIX_NAME
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS ${PGP}_$1" -c "CREATE DATABASE ${PGP}_$1 OWNER jingzhun"
}
pg_drop() { psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS ${PGP}_$1"; }
venv() { # DuckDB, Polars and pyarrow pinned for bench/compare, and pandas with both XLSX readers
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r bench/compare/requirements.txt \
        pandas openpyxl python-calamine
}
# Every build in one place, always with the same package sets: cargo unifies features over the packages of
# one command (examples bring their dev-dependencies), so building one example alone would recompile the
# crates under it with another feature set in the middle of the measurements. The scripts below are told not
# to build (JZ_NO_BUILD).
build_all() {
    cargo build --release --quiet -p jingzhun --bin jingzhun -p jingzhun-web --example serve_bench &&
        cargo build --release --quiet -p jingzhun-engine --example bench --example compare -p jingzhun-io \
            --example import_bench -p jingzhun-store --example bulk_bench --example monitoring_bench \
            --example scan_bench -p jingzhun-web --example import_reports_bench --example workflow_pages_bench ||
        return 1
    if want monitoring_import; then cargo test --release --quiet -p jingzhun-store --test it --no-run; fi
}
export JZ_NO_BUILD=1
build_examples() { :; }
note() { echo "== $*"; }

{
    echo "commit $commit$dirty ($(git log -1 --format=%cd --date=iso-strict))"
    echo "date $(date -u +%FT%TZ)"
    echo "mode $([ $quick = 1 ] && echo quick || echo full)"
    echo "nproc $(nproc)"
    grep -m1 'model name' /proc/cpuinfo
    free -h | sed -n 1,2p
    df -h "$W" | tail -1
    rustc --version
    uname -srm
    psql "$PG/postgres" -Atc 'select version()' 2>/dev/null | cut -d, -f1
    python3 --version
    java -version 2>&1 | head -1
    echo "uptime: $(uptime)"
} >"$out/machine.txt"
[ -f "$out/summary.tsv" ] || printf 'step\tstatus\twall s\tload before (1/5/15 min)\tload after\n' >"$out/summary.tsv"

# STEP demo: the README's first run (`demo --no-serve`) on a new SQLite file, full-scale Bazhong.
step_demo() {
    rm -f "$W/demo.db"*
    timed "$JZ" --db "$W/demo.db" demo --no-serve --scale "$DEMO_SCALE"
}
need_demo() { [ -f "$W/demo.db" ] || { echo "no $W/demo.db: run the demo step first"; return 1; }; }

# The issue's three reports of an evaluated year, each from a fresh process: straight after the demo, then
# after `evaluate` has kept the side records with the snapshot (report indicators, report measures,
# evaluate again).
reports_on() {
    local db=$1 y=2024 a=5119
    note "report indicators straight after the demo"
    timed "$JZ" --db "$db" report indicators --area $a --year $y --timings >/dev/null
    note "evaluate (keeps the side records with the snapshot)"
    timed "$JZ" --db "$db" evaluate --area $a --year $y
    for i in 1 2; do
        note "report indicators, run $i"
        timed "$JZ" --db "$db" report indicators --area $a --year $y --timings >/dev/null
        note "report measures, run $i"
        timed "$JZ" --db "$db" report measures --area $a --year $y --timings >/dev/null
        note "evaluate of the evaluated year, run $i"
        timed "$JZ" --db "$db" evaluate --area $a --year $y
    done
}
# STEP reports: report indicators / report measures / evaluate of an evaluated year (2024), fresh processes, SQLite demo.
step_reports() { need_demo && reports_on "$W/demo.db"; }

# STEP indicators: `report tables --no-history --timings` for 2020 on the SQLite demo database.
step_indicators() {
    need_demo || return 1
    timed "$JZ" --db "$W/demo.db" report tables --area 5119 --year 2020 --out "$W/tables.xlsx" --no-history --timings
    rm -f "$W/tables.xlsx"
}

# STEP parquet: `export parquet` of 2013–2025 from the SQLite demo, then DuckDB reads it all (check_parquet_duckdb.py).
step_parquet() {
    need_demo || return 1
    venv
    rm -rf "$W/hy"
    timed "$JZ" --db "$W/demo.db" export parquet --out "$W/hy" --from 2013 --to 2025
    echo "size $(du -sm "$W/hy" | cut -f1) MB, $(find "$W/hy" -name '*.parquet' | wc -l) files"
    timed "$PY" scripts/check_parquet_duckdb.py "$W/hy"
    rm -rf "$W/hy"
}

# STEP scans: reading the registry of one year as of its end (scan_bench) on the SQLite demo.
step_scans() {
    need_demo || return 1
    build_examples -p jingzhun-store --example scan_bench
    timed "$T/release/examples/scan_bench" "$W/demo.db" 5119 2024
}

# STEP whatif: POST /api/v1/whatif as the city analyst and a county approver (bench/whatif.sh) against `demo` serving the SQLite demo.
step_whatif() {
    need_demo || return 1
    local port=$((PORT + 303)) log=$W/whatif-demo.log pid
    "$JZ" --db "$W/demo.db" demo --bind 127.0.0.1:$port >"$log" 2>&1 &
    pid=$!
    local started=$SECONDS
    until curl -s -o /dev/null "http://127.0.0.1:$port/login"; do
        kill -0 $pid 2>/dev/null || { cat "$log"; return 1; }
        sleep 1
    done
    echo "server answering after $((SECONDS - started)) s (start includes the live engine's load)"
    pw() { awk -v u="$1" '$1 == u && /密码 / {print $NF}' "$log"; }
    if [ -z "$(pw demo_analyst)" ]; then
        echo "the demo accounts existed already (passwords are shown once): run the demo step first"
        kill $pid; wait $pid 2>/dev/null || true; return 1
    fi
    note "city analyst, 巴中市 5119"
    sh bench/whatif.sh "http://127.0.0.1:$port" demo_analyst "$(pw demo_analyst)" 2024
    note "county approver, 巴州区 511902"
    sh bench/whatif.sh "http://127.0.0.1:$port" demo_county "$(pw demo_county)" 2024
    echo "server resident memory $(( $(awk '/^VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB, peak $(( $(awk '/^VmHWM/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
    kill $pid; wait $pid 2>/dev/null || true
    grep -v '密码' "$log" | tail -5
    rm -f "$log"
}

# STEP web_sqlite: scripts/bench_web.sh on the SQLite demo: four accounts × the household page, six searches, random pages.
step_web_sqlite() { need_demo && scripts/bench_web.sh "$W/demo.db" "$WEB_SECONDS" 100 $PORT; }

# STEP web_sqlite_busy: scripts/bench_web_busy.sh on the SQLite demo: page, search, dashboard, warning list; idle, then busy (bulk load of 510104 + two report builds).
step_web_sqlite_busy() { need_demo && scripts/bench_web_busy.sh "$W/demo.db" "$BUSY_SECONDS" 100 $((PORT + 1)) 510104 "$LOAD_SCALE"; }

# STEP demo_pg: the demo into PostgreSQL (PREFIX_demo), kept for the PostgreSQL web and report steps; skipped when it exists (BENCH_PG_REBUILD=1 rebuilds).
step_demo_pg() {
    if [ "${BENCH_PG_REBUILD:-0}" != 1 ] &&
        [ "$(psql -Atc "select count(*) from households" "$(pgdb demo)" 2>/dev/null || echo 0)" -gt 0 ]; then
        echo "reusing $(pgdb demo) ($(psql -Atc 'select count(*) from households' "$(pgdb demo)") households); BENCH_PG_REBUILD=1 builds it again"
        return 0
    fi
    pg_fresh demo
    timed "$JZ" --db "$(pgdb demo)" demo --no-serve --scale "$DEMO_SCALE"
}
# STEP reports_pg: the three reports of an evaluated year on the PostgreSQL demo.
step_reports_pg() { reports_on "$(pgdb demo)"; }
# STEP web_pg_busy: scripts/bench_web_busy.sh on the PostgreSQL demo (bulk load of 510105 while busy).
step_web_pg_busy() { scripts/bench_web_busy.sh "$(pgdb demo)" "$BUSY_SECONDS" 100 $((PORT + 2)) "${BENCH_PG_LOAD_AREA:-510105}" "$LOAD_SCALE"; }

# STEP pool: PostgreSQL bulk paths against SQLite on one county: synth --area 511902, evaluate twice, evaluate --no-save.
step_pool() {
    local sq=$W/pool.db pg
    pg=$(pgdb pool)
    rm -f "$sq"*
    pg_fresh pool
    for db in "$sq" "$pg"; do
        note "synth --area 511902 --scale $POOL_SCALE into ${db%%\?*}"
        "$JZ" --db "$db" init >/dev/null
        timed "$JZ" --db "$db" synth --area 511902 --scale "$POOL_SCALE" >/dev/null
    done
    for db in "$sq" "$pg" "$sq" "$pg"; do
        note "evaluate --area 511902 on ${db##*/}"
        timed "$JZ" --db "$db" evaluate --area 511902 >/dev/null
    done
    for db in "$sq" "$pg"; do
        note "evaluate --area 511902 --no-save on ${db##*/}"
        timed "$JZ" --db "$db" evaluate --area 511902 --no-save >/dev/null
    done
    rm -f "$sq"*
    pg_drop pool
}

# STEP national: the national layout on PostgreSQL (init --partitioned, synth --national --writers 4, evaluate --area 51).
step_national() {
    local u
    u=$(pgdb nat)
    pg_fresh nat
    "$JZ" --db "$u" init --partitioned >/dev/null
    note "synth --national --scale $NAT_SCALE --writers 4"
    timed "$JZ" --db "$u" --pg-bulk-pool-size 5 synth --national --scale "$NAT_SCALE" --writers 4
    note "evaluate --area 51 --year 2025 --no-save"
    timed "$JZ" --db "$u" evaluate --area 51 --year 2025 --no-save >/dev/null
    echo "database size $(psql -Atc "select pg_size_pretty(pg_database_size(current_database())), pg_database_size(current_database())" "$u")"
    echo "households $(psql -Atc 'select count(*) from households' "$u")"
    pg_drop nat
}

# STEP engine: crates/engine/examples/bench.rs (full evaluation + rollup, memory, incremental update).
step_engine() {
    build_examples -p jingzhun-engine --example bench
    for n in $ENGINE_N; do
        note "engine bench $n households"
        timed "$T/release/examples/bench" "$n"
    done
}

# STEP compare: bench/compare/run.sh (ours vs DuckDB vs Polars from the product's CSV, Parquet, warm).
step_compare() {
    local n r
    read -r n r <<<"$COMPARE"
    DATA=$W/compare-$n bench/compare/run.sh "$n" "$r"
    rm -rf "$W/compare-$n"
}

# STEP import: `import households` of a 0.33-scale Bazhong export (CSV and XLSX) into SQLite, the CSV into PostgreSQL, pandas on the CSV.
step_import() {
    local d=$W/import pg
    rm -rf "$d"; mkdir -p "$d"
    venv
    "$JZ" --db "$d/synth.db" init >/dev/null
    note "synth --scale $IMPORT_SCALE (the source)"
    timed "$JZ" --db "$d/synth.db" synth --scale "$IMPORT_SCALE" >/dev/null
    timed "$JZ" --db "$d/synth.db" export households --area 5119 --out "$d/h.csv"
    timed "$JZ" --db "$d/synth.db" export households --area 5119 --out "$d/h.xlsx"
    rm -f "$d/synth.db"*
    ls -l "$d"
    echo "rows $(($(wc -l <"$d/h.csv") - 1))"
    for f in h.csv h.xlsx; do
        rm -f "$d/run.db"*
        "$JZ" --db "$d/run.db" init >/dev/null
        note "import $f into a new SQLite file"
        timed "$JZ" --db "$d/run.db" import households "$d/$f"
    done
    note "h.csv again into the same file (all unchanged)"
    rm -f "$d/run.db"*
    "$JZ" --db "$d/run.db" init >/dev/null
    "$JZ" --db "$d/run.db" import households "$d/h.csv" >/dev/null
    timed "$JZ" --db "$d/run.db" import households "$d/h.csv"
    rm -f "$d/run.db"*
    pg=$(pgdb import)
    pg_fresh import
    "$JZ" --db "$pg" init >/dev/null
    note "import h.csv into PostgreSQL"
    timed "$JZ" --db "$pg" import households "$d/h.csv"
    pg_drop import
    note "pandas read_csv + to_sql (the XLSX with pandas: see the parsing step, 1M rows take minutes)"
    timed "$PY" scripts/bench_pandas.py "$d/h.csv"
    rm -rf "$d"
}

# STEP parsing: crates/io/examples/import_bench.rs (read + validate CSV and XLSX) and pandas on the same files (XLSX at XLSX_ROWS rows).
step_parsing() {
    local d=$W/parse
    venv
    build_examples -p jingzhun-io --example import_bench
    for n in "$PARSE_ROWS" "$XLSX_ROWS"; do
        note "import_bench $n rows"
        timed "$T/release/examples/import_bench" "$n" "$d"
    done
    note "pandas: the CSV of $PARSE_ROWS rows and the XLSX of $XLSX_ROWS rows (openpyxl and calamine)"
    timed "$PY" scripts/bench_pandas.py "$d/households_$PARSE_ROWS.csv" "$d/households_$XLSX_ROWS.xlsx"
    rm -rf "$d"
}

# STEP bulk: crates/store/examples/bulk_bench.rs: bulk_load and scans, SQLite and PostgreSQL.
step_bulk() {
    build_examples -p jingzhun-store --example bulk_bench
    note "SQLite, $BULK_SQLITE households"
    timed "$T/release/examples/bulk_bench" "$BULK_SQLITE"
    pg_fresh bulk
    note "PostgreSQL, $BULK_PG households"
    timed "$T/release/examples/bulk_bench" "$BULK_PG" "$(pgdb bulk)"
    pg_drop bulk
}

# STEP monitoring: crates/store/examples/monitoring_bench.rs: one bulk_load_monitoring batch and the reads, SQLite and PostgreSQL.
step_monitoring() {
    build_examples -p jingzhun-store --example monitoring_bench
    note "SQLite"
    timed "$T/release/examples/monitoring_bench" "$MON_N"
    pg_fresh mon
    note "PostgreSQL"
    timed "$T/release/examples/monitoring_bench" "$MON_N" "$(pgdb mon)"
    pg_drop mon
}

# STEP monitoring_import: the store test's round trip of a county's monitoring records (通江县 511921), both backends, release profile.
step_monitoring_import() {
    local rc=0
    pg_fresh montest
    JINGZHUN_IMPORT_TEST_AREA=511921 JINGZHUN_IMPORT_TEST_SCALE=$MONIMP_SCALE \
        JINGZHUN_TEST_DATABASE_URL=$(pgdb montest) \
        cargo test --release -p jingzhun-store --test it monitoring_import::a_generated -- --nocapture --test-threads=1 ||
        rc=$?
    pg_drop montest
    return $rc
}

# STEP downloads: crates/web/examples/import_reports_bench.rs (report downloads and the spreadsheet import of 巴州区).
step_downloads() {
    build_examples -p jingzhun-web --example import_reports_bench
    timed "$T/release/examples/import_reports_bench" 511902 "$DL_SCALE"
}

# STEP workflow: crates/web/examples/workflow_pages_bench.rs (cases, measures, visits pages), SQLite and PostgreSQL.
step_workflow() {
    build_examples -p jingzhun-web --example workflow_pages_bench
    note "SQLite"
    timed "$T/release/examples/workflow_pages_bench" "$WF_N"
    pg_fresh wf
    note "PostgreSQL"
    timed "$T/release/examples/workflow_pages_bench" "$WF_N" "$(pgdb wf)"
    pg_drop wf
}

# STEP synth: `jingzhun synth` into the engine, a CSV file, XLSX files (a tenth of that scale) and PostgreSQL.
step_synth() {
    local d=$W/synth pg
    rm -rf "$d"; mkdir -p "$d"
    note "--national --scale $SYNTH_SCALE --engine"
    timed "$JZ" synth --national --scale "$SYNTH_SCALE" --engine
    note "--national --scale $SYNTH_SCALE --out n.csv"
    timed "$JZ" synth --national --scale "$SYNTH_SCALE" --out "$d/n.csv"
    ls -l "$d"; rm -f "$d/n.csv"
    local xs
    xs=$(awk -v s="$SYNTH_SCALE" 'BEGIN {print s / 10}')
    note "--national --scale $xs --out x --format xlsx"
    timed "$JZ" synth --national --scale "$xs" --out "$d/x" --format xlsx >/dev/null
    echo "$(find "$d/x" -name '*.xlsx' | wc -l) files, $(du -sm "$d/x" | cut -f1) MB"
    rm -rf "$d"
    pg=$(pgdb synth)
    pg_fresh synth
    "$JZ" --db "$pg" init >/dev/null
    note "--scale $SYNTH_SCALE (Bazhong) into PostgreSQL"
    timed "$JZ" --db "$pg" synth --scale "$SYNTH_SCALE" >/dev/null
    pg_drop synth
}

# STEP spark: analysis/spark/indicators.py over one county's Parquet export, DuckDB then Spark (local) on the same SQL.
step_spark() {
    local d=$W/spark
    rm -rf "$d"; mkdir -p "$d"
    venv
    "$JZ" --db "$d/c.db" init >/dev/null
    timed "$JZ" --db "$d/c.db" synth --area 511902 --scale "$SPARK_SCALE" --seed 7 >/dev/null
    timed "$JZ" --db "$d/c.db" export parquet --out "$d/pq" --from 2013 --to 2025 >/dev/null
    echo "Parquet $(du -sm "$d/pq" | cut -f1) MB"
    python3 -c 'import pyspark; print("PySpark", pyspark.__version__)' || return 1
    "$PY" -c 'import duckdb; print("DuckDB", duckdb.__version__)'
    for i in $(seq "${BENCH_SPARK_RUNS:-2}"); do
        note "DuckDB, run $i"
        timed "$PY" analysis/spark/indicators.py "$d/pq" --engine duckdb --out "$d/d.jsonl"
        note "Spark local, run $i"
        timed python3 analysis/spark/indicators.py "$d/pq" --out "$d/s.jsonl"
    done
    echo "result lines: DuckDB $(wc -l <"$d/d.jsonl"), Spark $(wc -l <"$d/s.jsonl")"
    rm -rf "$d"
}

want() {
    local s=$1
    if [ -n "$only" ]; then [[ ",$only," == *",$s,"* ]] || return 1; fi
    [[ ",$skip," == *",$s,"* ]] && return 1
    return 0
}
for s in $(echo "$only" "$skip" | tr ', ' '\n\n'); do
    [[ " ${STEPS[*]} " == *" $s "* ]] || { echo "unknown step $s (see --list)" >&2; exit 2; }
done
if [ $build = 1 ]; then
    echo "$(date -u +%T) building (a no-op when built already)" >&2
    build_all || { echo "the build failed" >&2; exit 1; }
fi

for s in "${STEPS[@]}"; do
    want "$s" || continue
    f=$out/$s.txt
    before=$(load)
    start=$(date +%s.%N)
    echo "$(date -u +%T) $s (load $before)" >&2
    {
        echo "# $s: commit $commit$dirty, $(date -u +%FT%TZ), mode $([ $quick = 1 ] && echo quick || echo full)"
        echo "LOAD before: $before"
        # A step stops at its first failing command.
        (set -e; "step_$s")
        rc=$?
        echo "LOAD after: $(load)"
        echo "STATUS $rc"
    } >"$f" 2>&1
    rc=$(awk '/^STATUS/ {print $2}' "$f" | tail -1)
    after=$(load)
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    printf '%s\t%s\t%s\t%s\t%s\n' "$s" "$([ "$rc" = 0 ] && echo ok || echo "failed ($rc)")" "$secs" \
        "$before" "$after" >>"$out/summary.tsv"
    echo "$(date -u +%T) $s: exit $rc, ${secs} s (load $after)" >&2
done
if [ $drop_pg = 1 ]; then pg_drop demo; rm -f "$W/demo.db"*; fi
echo "results in $out" >&2
