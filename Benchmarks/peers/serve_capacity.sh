#!/usr/bin/env bash
# The highest request rate at which a scoring endpoint keeps p99 under a bound, measured with
# `deploy-advisor load` (open loop, latency from the scheduled send time). Runs ours
# (`deploy-advisor serve mlp`) and the Flask/NumPy reference (Flask's own threaded server, and
# under gunicorn when it is installed) back to back on loopback.
#   Benchmarks/peers/serve_capacity.sh [p99_bound_ms] [seconds_per_step]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/deploy-advisor}
BOUND=${1:-10}
SECONDS_PER_STEP=${2:-5}

capacity() {  # url → highest rate (requests/s) with p99 < BOUND ms and no errors
  local url=$1 rate=50 best=0 lo hi
  while :; do
    if ok "$url" "$rate"; then best=$rate; rate=$((rate * 2)); else break; fi
    [ "$rate" -gt 200000 ] && break
  done
  lo=$best; hi=$rate
  for _ in 1 2 3 4; do
    local mid=$(((lo + hi) / 2))
    [ "$mid" -le "$lo" ] && break
    if ok "$url" "$mid"; then lo=$mid; else hi=$mid; fi
  done
  echo "$lo"
}

ok() {  # url rate → success when p99 < BOUND and every request got 200
  "$BIN" load "$1" --rate "$2" --duration "$SECONDS_PER_STEP" --connections 64 --format json > "$work/load.json" || return 1
  python3 Benchmarks/peers/load_ok.py "$work/load.json" "$BOUND" "$2"
}

work=$(mktemp -d)
"$BIN" serve mlp --port 18080 --max-concurrent-requests 2 >/dev/null 2>&1 &
ours=$!
# The Python servers get one BLAS thread each (the MLP's products are far too small to gain
# from more, and idle BLAS threads spinning would only slow them down).
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 Benchmarks/peers/flask_mlp_server.py --port 18081 >/dev/null 2>&1 &
flask=$!
gunicorn_pids=""
if python3 -c "import gunicorn" 2>/dev/null; then
  # Production-style: the same Flask app under gunicorn (sync workers), with 1 worker process
  # and with one per core.
  for w in 1 "$(nproc)"; do
    (cd Benchmarks/peers && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 exec python3 -m gunicorn --workers "$w" \
      --bind "127.0.0.1:$((18081 + w))" --log-level warning flask_mlp_server:app) >/dev/null 2>&1 &
    gunicorn_pids="$gunicorn_pids $!"
  done
fi
trap 'kill $ours $flask $gunicorn_pids 2>/dev/null; rm -rf "$work"' EXIT
sleep 3
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "deploy-advisor serve mlp:"
a=$(capacity http://127.0.0.1:18080/score)
echo "Flask + NumPy reference (Flask's threaded server):"
b=$(capacity http://127.0.0.1:18081/score)
echo "highest rate with p99 < ${BOUND} ms: ours ${a}/s, Flask ${b}/s, ratio $(python3 -c "print(round($a / max($b, 1), 1))")x"
if [ -n "$gunicorn_pids" ]; then
  for w in 1 "$(nproc)"; do
    echo "Flask + NumPy reference under gunicorn ($w sync worker(s)):"
    c=$(capacity "http://127.0.0.1:$((18081 + w))/score")
    echo "highest rate with p99 < ${BOUND} ms: ours ${a}/s, Flask/gunicorn×$w ${c}/s, ratio $(python3 -c "print(round($a / max($c, 1), 1))")x"
  done
else
  echo "(gunicorn not installed: pip install gunicorn to measure the production-style reference too)"
fi
