#!/bin/sh
# Times POST /api/v1/whatif against a running jingzhun web application (e.g. `jingzhun demo`), as one
# account: the first run (the engine is loaded from the store) and repeated runs (the engine is reused;
# each run is two full evaluations of the account's area plus the summary).
#
#   bench/whatif.sh http://127.0.0.1:8080 demo_analyst '<password>' [year]
set -eu
BASE=$1 USER=$2 PASS=$3 YEAR=${4:-2024}
JAR=$(mktemp)
trap 'rm -f "$JAR"' EXIT
curl -s -c "$JAR" -b "$JAR" "$BASE/login" > /dev/null
PRE=$(awk '$6=="jz_pre"{print $7}' "$JAR")
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "_csrf=$PRE" --data-urlencode "username=$USER" \
  --data-urlencode "password=$PASS" "$BASE/login"
SESSION=$(awk '$6=="jz_session"{print $7}' "$JAR")
CSRF=$(curl -s -b "jz_session=$SESSION" "$BASE/api/v1/me" | sed -n 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/p')
run() {
  curl -s -o /tmp/whatif-bench.json -w '%{http_code} %{time_total}s' -b "jz_session=$SESSION" \
    -H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' \
    -d "{\"year\":$YEAR,\"params\":{\"monitoring_threshold\":$1}}" "$BASE/api/v1/whatif"
  echo " threshold=$1 $(sed -n 's/.*"households":\([0-9]*\),"flipped_households":\([0-9]*\),"flipped_people":\([0-9]*\).*/households=\1 flipped=\2 people=\3/p' /tmp/whatif-bench.json)"
}
echo "first run (loads the engine):"; run 8000
echo "repeated runs (engine reused):"; run 8500; run 9000; run 7000
echo "same parameters again (result reused):"; run 7000
