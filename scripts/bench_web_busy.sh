#!/usr/bin/env bash
# 100 clients on one database (a SQLite file or a PostgreSQL URL, e.g. the demo's), idle and then busy: the
# household page spread over random households of the account's area (scripts/random_pages.lua), a search,
# the dashboard and the warning list, first alone, then while a bulk load writes another county into the same
# database (`jingzhun synth`, standing for a county's import) and two report builds run in the server at a
# time (POST /reports/tables by two accounts, over and over). The server's resident memory is sampled every
# half second (peak printed per phase). Prints Markdown table rows with the load average.
#
#   scripts/bench_web_busy.sh DB [SECONDS] [CONNECTIONS] [PORT] [LOAD_AREA] [LOAD_SCALE]
#
# Needs wrk, curl and a release build of `jingzhun` and the `serve_bench` example:
#   cargo build --release -p jingzhun --bin jingzhun -p jingzhun-web --example serve_bench
# LOAD_AREA (default 510104) must be a county of the area table with no households in DB yet; each busy
# phase loads it at LOAD_SCALE (default 1) and the script leaves those households in the database.
set -euo pipefail
db=$1
seconds=${2:-15}
connections=${3:-100}
port=${4:-8089}
load_area=${5:-510104}
load_scale=${6:-1}
cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release
out=$(mktemp)
mem=$(mktemp)
"$bin/examples/serve_bench" "$db" "$port" >"$out" &
server=$!
background=()
cleanup() {
    for p in "${background[@]}"; do kill "$p" 2>/dev/null || true; done
    kill $server 2>/dev/null || true
    rm -f "$out" "$mem" "${TMPDIR:-/tmp}"/serve_bench_pages_*_"$port".txt
}
trap cleanup EXIT
until grep -q '^LISTENING' "$out"; do
    if ! kill -0 $server 2>/dev/null; then
        cat "$out" >&2
        exit 1
    fi
    sleep 1
done
grep -E "^(INDEX|STORE)" "$out" >&2
backend=$([[ $db == postgres* ]] && echo PostgreSQL || echo SQLite)
token_of() { grep "^ACCOUNT $1 " "$out" | cut -d' ' -f3; }
csrf_of() {
    curl -s -H "Cookie: jz_session=$1" "http://127.0.0.1:$port/api/v1/me" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])'
}
rss_kib() { awk '/^VmRSS/ {print $2}' /proc/$server/status; }
sample_memory() {
    while kill -0 $server 2>/dev/null; do
        rss_kib >>"$mem"
        sleep 0.5
    done
}
run_wrk() { # label, cookie token, path or "random FILE"
    local label=$1 token=$2 path=$3 r
    if [[ $path == random* ]]; then
        r=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: jz_session=$token" \
            -s scripts/random_pages.lua "http://127.0.0.1:$port" -- "${path#random }")
    else
        r=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: jz_session=$token" \
            "http://127.0.0.1:$port$path")
    fi
    local load rps p50 p99 non2xx sock
    load=$(cut -d' ' -f1 /proc/loadavg)
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$r")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$r")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$r")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$r")
    sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$r")
    echo "| $backend | $phase | $label | $rps | $p50 | $p99 | $(( ${non2xx:-0} + ${sock:-0} )) | $load |"
}
user=bench_county
token=$(token_of $user)
read -r _ _ count pages < <(grep "^PAGES $user " "$out")
search=$(grep '^URL surname_' "$out" | cut -d' ' -f3)
# The first request of each list computes it (one store read per area, shared by every request that
# arrives meanwhile: crates/web/src/refresh.rs); its time is printed, then the runs measure the steady state.
warm() {
    local path
    for path in "/" "/warnings"; do
        curl -s -o /dev/null -w "FIRST $backend $phase $path %{http_code} %{time_total}s\n" \
            -H "Cookie: jz_session=$token" "http://127.0.0.1:$port$path" >&2
    done
}
measure() {
    warm
    : >"$mem"
    sample_memory &
    local sampler=$!
    run_wrk "household page, $count households at random" "$token" "random $pages"
    run_wrk "search 张" "$token" "$search"
    run_wrk "dashboard" "$token" "/"
    run_wrk "warning list" "$token" "/warnings"
    kill $sampler 2>/dev/null || true
    echo "MEMORY $backend $phase: server resident peak $(( $(sort -n "$mem" | tail -1) / 1024 )) MiB" >&2
}
echo "| backend | phase | request ($user, $connections connections, ${seconds} s) | requests/s | p50 | p99 | errors | load avg |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
phase=idle
measure
# Busy: a bulk load of another county, and report builds by two accounts (two at a time: the limiter's
# default), each started again as soon as it ends.
phase="busy (bulk load + 2 report builds)"
"$bin/jingzhun" --db "$db" synth --area "$load_area" --scale "$load_scale" >/dev/null 2>&1 &
background+=($!)
for who in bench_county bench_city; do
    t=$(token_of $who)
    c=$(csrf_of "$t")
    (
        year=2013
        while true; do
            # A different year each time: a report cache hit would cost nothing.
            year=$(( year == 2020 ? 2014 : year + 1 ))
            curl -s -o /dev/null -H "Cookie: jz_session=$t" \
                --data "_csrf=$c&year=$year" "http://127.0.0.1:$port/reports/tables"
        done
    ) &
    background+=($!)
done
sleep 2
measure
echo "MEMORY $backend: server peak over the run (VmHWM) $(( $(awk '/^VmHWM/ {print $2}' /proc/$server/status) / 1024 )) MiB" >&2
