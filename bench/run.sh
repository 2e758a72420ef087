#!/bin/sh
# Runs every benchmark and writes bench/results.json.
# Each benchmark prints its results on stdout as JSON objects, one per line:
#   {"name": ..., "value": ..., "unit": ..., "reference": ..., "ratio": ...}
# (reference: the same work measured in the same run on a reference
# implementation; ratio: how many times better we are) and its commentary on
# stderr. Usage: bench/run.sh BUILD_DIR
set -eu
cd "$(dirname "$0")/.."
B=${1:-build-release}
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT

run() {
	name=$1
	shift
	echo "== $name: $*" >&2
	"$@" >>"$lines"
}

run router "$B/bench/bench_router"
run erlang "$B/bench/bench_erlang" /usr/bin/python3 bench/ref/erlang_ref.py
run store "$B/bench/bench_store"
run http python3 bench/bench_http.py "$B/src/cli/switchboard"
run daemon python3 bench/bench_daemon.py "$B/src/cli/switchboard" "$B/bench/bench_store"
run calls python3 bench/bench_calls.py "$B/src/cli/switchboard"
run media_calls python3 bench/bench_media_calls.py "$B/src/cli/switchboard" "$B/bench/bench_media"
run sim "$B/bench/bench_sim" /usr/bin/python3 bench/ref/sim_simpy.py
run dialer "$B/bench/bench_dialer"
run dial_calls python3 bench/bench_dial_calls.py "$B/src/cli/switchboard"
run wallboard node bench/bench_wallboard.mjs "$B/src/cli/switchboard"

python3 - "$lines" bench/results.json <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
for r in rows:
    for k in ("name", "value", "unit", "reference", "ratio"):
        r.setdefault(k, None)
json.dump(rows, open(sys.argv[2], "w"), indent=1)
print("\n%-44s %14s %-10s %14s %8s" % ("benchmark", "value", "unit", "reference", "ratio"))
for r in rows:
    ref = "" if r["reference"] is None else "%.4g" % r["reference"]
    ratio = "" if r["ratio"] is None else "%.2f" % r["ratio"]
    print("%-44s %14.6g %-10s %14s %8s" % (r["name"], r["value"], r["unit"], ref, ratio))
PY
