#!/usr/bin/env python3
"""Exit 0 when a `deploy-advisor load --format json` result met the bound: every request 200, p99 < bound ms."""
import json
import sys

r = json.load(open(sys.argv[1]))
bound, rate = float(sys.argv[2]), sys.argv[3]
p99 = r["latencyMs"]["p99"]
errors = sum(r["errors"].values())
print(f"  {rate}/s: p99 {p99:.2f} ms, status {r['statusCounts']}, errors {errors}", file=sys.stderr)
sys.exit(0 if r["statusCounts"].get("200", 0) == r["sent"] and errors == 0 and p99 < bound else 1)
