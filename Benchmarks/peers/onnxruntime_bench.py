#!/usr/bin/env python3
"""ONNX Runtime on the same model, reported like `deploy-advisor profile --measure`.

Exports nothing itself: pass an .onnx file made by `deploy-advisor export MODEL --output M.onnx`.
Runs ONNX Runtime (CPU execution provider, intra-op threads = --threads, default 2), 3 warm-up
runs then --iterations timed runs on a seeded random batch, and prints p50/p90/p99 in ms and
GFLOP/s when --flops (per sample) is given.

    deploy-advisor export resnet50 --output /tmp/resnet50.onnx
    python3 Benchmarks/peers/onnxruntime_bench.py /tmp/resnet50.onnx --batch 8 --flops 8178368512
    deploy-advisor profile /tmp/resnet50.onnx --measure --batch 8 --threads 2

Compare both with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` on this project's machines
(ONNX Runtime picks AVX-512 kernels; OpenBLAS is otherwise pinned to Haswell), and record
`deploy-advisor profile`'s reported OpenBLAS core.
"""
import argparse
import json
import time

import numpy as np
import onnxruntime as ort


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--flops", type=float, default=0, help="FLOPs per sample (for GFLOP/s)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    a = p.parse_args()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    i = s.get_inputs()[0]
    x = np.random.RandomState(1).uniform(-1, 1, [a.batch] + list(i.shape[1:])).astype(np.float32)
    for _ in range(3):
        s.run(None, {i.name: x})
    samples = []
    for _ in range(a.iterations):
        t0 = time.perf_counter()
        s.run(None, {i.name: x})
        samples.append((time.perf_counter() - t0) * 1e3)
    srt = sorted(samples)

    def rank(q):
        return srt[max(0, min(len(srt) - 1, int(np.ceil(q * len(srt))) - 1))]

    out = {"engine": "onnxruntime " + ort.__version__, "batch": a.batch, "threads": a.threads,
           "latencyMs": {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99)}}
    if a.flops:
        out["gflops"] = a.flops * a.batch / (out["latencyMs"]["p50"] * 1e-3) / 1e9
    if a.format == "json":
        print(json.dumps(out, indent=2))
    else:
        l = out["latencyMs"]
        print(f"{out['engine']}: batch {a.batch}, {a.threads} threads: p50 {l['p50']:.3f} ms  p90 {l['p90']:.3f} ms  p99 {l['p99']:.3f} ms"
              + (f"  ({out['gflops']:.1f} GFLOP/s)" if a.flops else ""))


if __name__ == "__main__":
    main()
