#!/usr/bin/env bash
# Validates the regression gate on this machine (the issue's acceptance experiment):
#   false alarms — 20 A/A pairs: the same model benched twice back to back, default settings;
#   power        — 20 A/B pairs: baseline lstm:h=512,t=20, current lstm:h=512,t=22 (10% more
#                  timesteps, so 10% more work: a real slowdown), compared under one model key.
# Prints the counts. Usage: Benchmarks/regression/validate.sh [pairs]
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/deploy-advisor}
PAIRS=${1:-20}
A="lstm:h=512,t=20"
B="lstm:h=512,t=22"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
alarms=0
for i in $(seq 1 "$PAIRS"); do
  "$BIN" bench "$A" --output "$dir/base.json" --model-key lstm-variant >/dev/null
  "$BIN" bench "$A" --output "$dir/cur.json" --model-key lstm-variant >/dev/null
  if "$BIN" check --baseline "$dir/base.json" --current "$dir/cur.json" >/dev/null; then :; else
    [ $? -eq 1 ] && alarms=$((alarms + 1))
  fi
done
detected=0
for i in $(seq 1 "$PAIRS"); do
  "$BIN" bench "$A" --output "$dir/base.json" --model-key lstm-variant >/dev/null
  "$BIN" bench "$B" --output "$dir/cur.json" --model-key lstm-variant >/dev/null
  if "$BIN" check --baseline "$dir/base.json" --current "$dir/cur.json" >/dev/null; then :; else
    [ $? -eq 1 ] && detected=$((detected + 1))
  fi
done
echo "A/A false alarms: $alarms of $PAIRS pairs"
echo "A/B (10% slower) detected: $detected of $PAIRS pairs"
