#!/usr/bin/env python3
"""A reference Python scoring server: Flask + NumPy, the shape of Azure ML's own Python scoring
container (a Flask app whose run() parses {"data": [...]} and returns {"result": [...]}).

Serves the same MLP architecture as `deploy-advisor serve mlp` (128 → 512 → 512 → 512 → 10,
ReLU, softmax; seeded random weights) on POST /score, GET / and GET /swagger.json, so the same
`deploy-advisor load` command drives both.

    pip install flask numpy gunicorn
    python3 Benchmarks/peers/flask_mlp_server.py --port 18081              # Flask's threaded server
    cd Benchmarks/peers && gunicorn --workers 2 flask_mlp_server:app      # production-style

Run it with OPENBLAS_NUM_THREADS=1: the products are far too small to gain from BLAS threads, and
idle ones spinning cost this server about 40% of its capacity on a 2-core machine.
"""
import argparse
import json

import numpy as np
from flask import Flask, Response, request

rng = np.random.RandomState(1)
LAYERS = [(128, 512), (512, 512), (512, 512), (512, 10)]
WEIGHTS = [(rng.uniform(-1, 1, (i, o)).astype(np.float32) * np.sqrt(6.0 / i), np.zeros(o, dtype=np.float32)) for i, o in LAYERS]

app = Flask(__name__)


def run(x):
    for k, (w, b) in enumerate(WEIGHTS):
        x = x @ w + b
        if k < len(WEIGHTS) - 1:
            x = np.maximum(x, 0)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@app.get("/")
def health():
    return {"status": "Healthy", "model": "mlp (numpy)"}


@app.get("/swagger.json")
def swagger():
    item = {"type": "array", "items": {"type": "number"}, "minItems": 128, "maxItems": 128}
    doc = {"openapi": "3.0.3", "paths": {"/score": {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"type": "object", "properties": {"data": {"oneOf": [item, {"type": "array", "items": item}]}}}}}}}}}}
    return Response(json.dumps(doc), mimetype="application/json")


@app.post("/score")
def score():
    try:
        data = np.asarray(request.get_json(force=True)["data"], dtype=np.float32)
    except Exception as e:  # noqa: BLE001 - malformed input is the client's error
        return {"error": str(e)}, 400
    batched = data.ndim == 2
    if data.shape[-1] != 128 or data.ndim not in (1, 2):
        return {"error": f"expected [128] or [N, 128], got {list(data.shape)}"}, 400
    y = run(data if batched else data[None, :])
    return {"result": (y if batched else y[0]).tolist()}


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=18081)
    a = p.parse_args()
    app.run(host="127.0.0.1", port=a.port, threaded=True)
