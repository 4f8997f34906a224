#!/usr/bin/env python3
"""This engine against ONNX Runtime, side by side (`make bench-peers`).

For ResNet-50 and MobileNetV2 at batch 1 and 8: exports each model once with
`deploy-advisor export` (the same file for both engines), then in every round runs each
configuration on both engines, interleaved (the order alternates between rounds), 2 threads
each: `deploy-advisor profile FILE --measure` and `onnxruntime_bench.py FILE`. Prints each
round's p50s and ratio (ours / ONNX Runtime), the median ratio with its spread over the rounds,
the goal of issue #19 (≤ 1.0 for ResNet-50, ≤ 1.2 for MobileNetV2), the OpenBLAS core that ran,
and the largest difference between the two engines' outputs on one seeded input, relative to
the output's largest magnitude (at least 1; must be ≤ 1e-4). Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for both sides (the make
target does: `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`).

    bench_peers.py [--rounds 3] [--iterations 20] [--binary .build/release/deploy-advisor] [--json OUT]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
GOALS = {"resnet50": 1.0, "mobilenetv2": 1.2}


def run_json(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return json.loads(r.stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--binary", default=".build/release/deploy-advisor")
    p.add_argument("--json", help="also write the figures here")
    a = p.parse_args()
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if v in os.environ:
            print(f"warning: {v}={os.environ[v]} is set; the comparison is meant to run with it unset", file=sys.stderr)
    work = tempfile.mkdtemp(prefix="da-peers-")
    files = {}
    for m in GOALS:
        files[m] = os.path.join(work, m + ".onnx")
        subprocess.run([a.binary, "export", m, "--output", files[m]], check=True, capture_output=True)
    configs = [(m, b) for m in GOALS for b in (1, 8)]
    results = {c: {"ours": [], "ort": []} for c in configs}
    core = None
    for r in range(a.rounds):
        for (m, b) in configs:
            ours_cmd = [a.binary, "profile", files[m], "--measure", "--batch", str(b), "--threads", str(a.threads),
                        "--iterations", str(a.iterations), "--format", "json"]
            ort_cmd = [sys.executable, os.path.join(HERE, "onnxruntime_bench.py"), files[m], "--batch", str(b),
                       "--threads", str(a.threads), "--iterations", str(a.iterations), "--format", "json"]
            order = [("ours", ours_cmd), ("ort", ort_cmd)]
            if r % 2 == 1:
                order.reverse()
            for name, cmd in order:
                out = run_json(cmd)
                if name == "ours":
                    core = out["measurement"]["openblasCore"]
                    results[(m, b)]["ours"].append(out["measurement"]["latencyMs"]["p50"])
                else:
                    results[(m, b)]["ort"].append(out["latencyMs"]["p50"])
        print(f"round {r + 1}: " + ", ".join(
            f"{m} b{b} {results[(m, b)]['ours'][-1]:.2f}/{results[(m, b)]['ort'][-1]:.2f} ms" for (m, b) in configs), flush=True)

    # Outputs on one seeded input, batch 1.
    diffs = {}
    for m, f in files.items():
        s = ort.InferenceSession(f, providers=["CPUExecutionProvider"])
        i = s.get_inputs()[0]
        x = np.random.RandomState(7).uniform(-1, 1, [1] + list(i.shape[1:])).astype(np.float32)
        xin, yout = os.path.join(work, m + "-x.npy"), os.path.join(work, m + "-y.npy")
        np.save(xin, x)
        subprocess.run([a.binary, "infer", f, "--input", xin, "--output", yout], check=True, capture_output=True)
        ref = s.run(None, {i.name: x})[0]
        # Relative to the output's scale: random-weight logits reach thousands, where float32
        # rounding alone differs by 1e-3.
        diffs[m] = float(np.max(np.abs(np.load(yout) - ref)) / max(1.0, float(np.max(np.abs(ref)))))

    print(f"\nOpenBLAS core: {core}; ONNX Runtime {ort.__version__}; {a.threads} threads each; {a.rounds} rounds of {a.iterations} runs")
    print(f"{'model':<12} {'batch':>5} {'ours p50 ms':>12} {'ORT p50 ms':>11} {'ours/ORT':>9} {'spread':>13} {'goal':>6}")
    summary = []
    for (m, b) in configs:
        ratios = [o / t for o, t in zip(results[(m, b)]["ours"], results[(m, b)]["ort"])]
        med = statistics.median(ratios)
        row = {"model": m, "batch": b, "oursP50Ms": statistics.median(results[(m, b)]["ours"]),
               "ortP50Ms": statistics.median(results[(m, b)]["ort"]), "ratio": med, "ratioMin": min(ratios),
               "ratioMax": max(ratios), "goal": GOALS[m], "met": med <= GOALS[m]}
        summary.append(row)
        print(f"{m:<12} {b:>5} {row['oursP50Ms']:>12.2f} {row['ortP50Ms']:>11.2f} {med:>9.2f} "
              f"{row['ratioMin']:>6.2f}–{row['ratioMax']:<6.2f} {'≤' + str(GOALS[m]):>6}{'' if row['met'] else '  (not met)'}")
    for m, d in diffs.items():
        print(f"{m}: largest output difference from ONNX Runtime, relative to the output's scale: {d:.2e} "
              f"({'within' if d <= 1e-4 else 'OUTSIDE'} 1e-4)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"openblasCore": core, "onnxruntime": ort.__version__, "rows": summary, "outputDiff": diffs}, f, indent=2)
    return 0 if all(d <= 1e-4 for d in diffs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
