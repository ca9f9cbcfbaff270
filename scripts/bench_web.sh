#!/usr/bin/env bash
# Load test of the household page and search: starts the serve_bench example over SOURCE (a household count
# for a synthetic county, or a database such as the demo's), then runs wrk with every signed-in account over
# every path it prints, then the household page spread over up to 20,000 random households of the account's
# area (scripts/random_pages.lua: one hot page stays in every cache and says little), and prints one
# Markdown table row per run with the load average.
#
#   scripts/bench_web.sh /tmp/demo.db [SECONDS] [CONNECTIONS] [PORT]
#
# Needs wrk. Numbers go into BENCHMARKS.md ("Web: household page and search under load").
set -euo pipefail
source=${1:-50000}
seconds=${2:-15}
connections=${3:-100}
port=${4:-8089}
cd "$(dirname "$0")/.."
# bench/all.sh builds everything once beforehand (JZ_NO_BUILD=1).
[ -n "${JZ_NO_BUILD:-}" ] || cargo build --release -p jingzhun-web --example serve_bench >&2
bin=${CARGO_TARGET_DIR:-target}/release/examples/serve_bench
out=$(mktemp)
"$bin" "$source" "$port" >"$out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$out" "${TMPDIR:-/tmp}"/serve_bench_pages_*_"$port".txt' EXIT
until grep -q '^LISTENING' "$out"; do
    if ! kill -0 $server 2>/dev/null; then
        cat "$out" >&2
        exit 1
    fi
    sleep 1
done
grep -E "^(INDEX|STORE)" "$out" >&2
echo "| account | area | request | requests/s | p50 | p99 | errors | load avg |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
grep '^ACCOUNT' "$out" | while read -r _ user token area; do
    grep '^URL' "$out" | while read -r _ label path; do
        r=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: jz_session=$token" \
            "http://127.0.0.1:$port$path")
        load=$(cut -d' ' -f1 /proc/loadavg)
        rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$r")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$r")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$r")
        non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$r")
        sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$r")
        errors=$(( ${non2xx:-0} + ${sock:-0} ))
        echo "| $user | $area | ${label//_/ } | $rps | $p50 | $p99 | $errors | $load |"
    done
    # The household page again, each request a different household at random (see random_pages.lua).
    read -r _ _ count file < <(grep "^PAGES $user " "$out")
    r=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Cookie: jz_session=$token" \
        -s scripts/random_pages.lua "http://127.0.0.1:$port" -- "$file")
    load=$(cut -d' ' -f1 /proc/loadavg)
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$r")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$r")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$r")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$r")
    sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$r")
    errors=$(( ${non2xx:-0} + ${sock:-0} ))
    echo "| $user | $area | page, $count households at random | $rps | $p50 | $p99 | $errors | $load |"
done
