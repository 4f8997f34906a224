#!/usr/bin/env bash
# The README's fleet figures, in one run on this machine:
#   1. the fleet in one process with a fresh calibration cache (measure every model, plan all);
#   2. every model measured once (`sweep --calibrate-only`), then 4 shards in parallel
#      processes reading that cache (`--cached-calibrations`), merged;
#   3. the same cache in one process (planning alone), merged: its fleet.json must be byte-
#      identical to the 4 shards' (same inputs, same measurements, so the same answers).
# Prints the wall times, the speed-ups, and the projection for 500 workloads on a 50-pod Job.
#
#   Scripts/fleet-proof.sh [FLEET] [SHARDS]     (default fleets/example.yaml, 4)
set -euo pipefail
BIN=${BIN:-.build/release/deploy-advisor}
FLEET=${1:-fleets/example.yaml}
N=${2:-4}
work=$(mktemp -d /tmp/da-fleet-proof.XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }

t0=$(now)
"$BIN" sweep "$FLEET" --out "$work/one-fresh" --cache-dir "$work/cache-fresh" >/dev/null 2>"$work/one-fresh.log"
t1=$(now)
"$BIN" sweep "$FLEET" --calibrate-only --cache-dir "$work/cache" >"$work/calibrate.out" 2>/dev/null
t2=$(now)
pids=()
for ((i = 0; i < N; i++)); do
  "$BIN" sweep "$FLEET" --out "$work/sharded" --shard "$i/$N" --cache-dir "$work/cache" --cached-calibrations >/dev/null 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t3=$(now)
"$BIN" sweep "$FLEET" --out "$work/one" --cache-dir "$work/cache" >/dev/null 2>&1
t4=$(now)
"$BIN" merge "$work/sharded" --out "$work/report-sharded" >/dev/null
"$BIN" merge "$work/one" --out "$work/report-one" >/dev/null
if cmp -s "$work/report-one/fleet.json" "$work/report-sharded/fleet.json"; then same="byte-identical"; else same="DIFFERENT"; fi

python3 - "$work" "$t0" "$t1" "$t2" "$t3" "$t4" "$N" "$same" <<'PY'
import json, math, sys
work, t0, t1, t2, t3, t4, n, same = sys.argv[1], *map(float, sys.argv[2:7]), int(sys.argv[7]), sys.argv[8]
fleet = json.load(open(f"{work}/report-one/fleet.json"))
workloads = len(fleet["workloads"])
models = sum(1 for line in open(f"{work}/calibrate.out") if " batch " in line)
fresh, calibrate, sharded, one = t1 - t0, t2 - t1, t3 - t2, t4 - t3
print(f"fleet: {workloads} workloads, {models} models; machine: {open('/proc/cpuinfo').read().count('processor')} cores")
print(f"1 process, fresh cache (measure + plan):        {fresh:7.1f} s")
print(f"measure each model once (--calibrate-only):     {calibrate:7.1f} s  ({calibrate / models:.1f} s per model)")
print(f"plan, 1 process (cached measurements):          {one:7.1f} s  ({one / workloads:.2f} s per workload)")
print(f"plan, {n} shards in parallel processes:          {sharded:7.1f} s  (speed-up {one / sharded:.2f}x)")
print(f"measure once + {n} shards:                       {calibrate + sharded:7.1f} s  (vs fresh 1 process: {fresh / (calibrate + sharded):.2f}x)")
print(f"merged fleet.json, {n} shards vs 1 process:      {same}")
per_workload, per_model = one / workloads, calibrate / models
pods, fleet_size = 50, 500
plan_pod = math.ceil(fleet_size / pods) * per_workload
print(f"projection, {fleet_size} workloads of these {models} models on a {pods}-pod Job (2 cores per pod, as here):")
print(f"  measure once ({calibrate:.0f} s) + {math.ceil(fleet_size / pods)} workloads per pod ({plan_pod:.0f} s) = {calibrate + plan_pod:.0f} s;"
      f" one process: {calibrate + fleet_size * per_workload:.0f} s")
PY
if [ "$same" != "byte-identical" ]; then exit 1; fi
