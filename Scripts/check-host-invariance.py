#!/usr/bin/env python3
"""Host invariance of the predictions (issue: predictions that do not move with the host).

Calibrates from scratch under three host conditions — plain; OpenBLAS forced to its Haswell
kernel (OPENBLAS_CORETYPE=Haswell, about half the sgemm rate on AVX-512 machines); one core
only (taskset -c 0) — each with a fresh calibration cache, and compares:

  * each target's predicted service time (`simulate --format json`, targets[].serviceMs) for
    reports/production-aks/workload.yaml,
  * the AKS plan's autoscale_max_replicas for the same workload (`plan --format json`),
  * the recommended target of the four example workloads (`recommend --format json`).

Acceptance: max/min ≤ 1.25 for every service time and for the AKS maximum, the same answers
under all three conditions. Usage: Scripts/check-host-invariance.py [path/to/deploy-advisor]
(default .build/release/deploy-advisor). Exit 1 when a bound is missed.
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/release/deploy-advisor"
EXAMPLES = ["prototype-aci", "production-aks", "factory-floor-edge", "realtime-fpga"]
CONDITIONS = {
    "plain": ([], {}),
    "OPENBLAS_CORETYPE=Haswell": ([], {"OPENBLAS_CORETYPE": "Haswell"}),
    "taskset -c 0": (["taskset", "-c", "0"], {}),
}


def run(prefix, env, *args):
    out = subprocess.run(prefix + [BIN, *args, "--format", "json"], env=env, check=True, capture_output=True, text=True)
    for line in out.stderr.splitlines():
        if "warning" in line:
            print("  " + line, file=sys.stderr)
    return json.loads(out.stdout)


def measure(name, prefix, extra):
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, DEPLOY_ADVISOR_CACHE=cache, **extra)
        workload = "reports/production-aks/workload.yaml"
        sim = run(prefix, env, "simulate", workload)
        service = {r["target"]: r["serviceMs"] for r in sim["targets"] if r.get("serviceMs")}
        plans = run(prefix, env, "plan", workload)["plans"]
        plan = next(p for p in plans if p["target"] == "aks")
        config = plan["configuration"]
        aks = config.get("autoscale_max_replicas")
        print(f"  {name}: AKS plan {plan['summary']}, USD {plan['costPerMonthUSD']:.0f}/month, "
              f"at most {aks * config.get('cpu_cores', 0):.4g} vCPU of replicas")
        answers = {e: run(prefix, env, "recommend", f"reports/{e}/workload.yaml").get("recommendation") for e in EXAMPLES}
    print(f"{name}: serviceMs {json.dumps({k: round(v, 2) for k, v in service.items()})}, AKS max replicas {aks}, answers {answers}")
    return service, aks, answers


def main():
    results = {name: measure(name, prefix, extra) for name, (prefix, extra) in CONDITIONS.items()}
    ok = True
    targets = sorted(set.intersection(*(set(s) for s, _, _ in results.values())))
    for t in targets:
        values = [s[t] for s, _, _ in results.values()]
        ratio = max(values) / min(values)
        ok &= ratio <= 1.25
        print(f"serviceMs {t}: max/min {ratio:.3f} ({', '.join(f'{v:.2f}' for v in values)})")
    maxima = [a for _, a, _ in results.values() if a]
    if maxima:
        ratio = max(maxima) / min(maxima)
        ok &= ratio <= 1.25
        print(f"AKS autoscale_max_replicas: max/min {ratio:.3f} ({', '.join(map(str, maxima))})")
    answers = [a for _, _, a in results.values()]
    same = all(a == answers[0] for a in answers)
    ok &= same
    print("answers " + ("identical under all conditions" if same else "differ: " + json.dumps(answers)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
