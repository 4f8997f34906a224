#!/usr/bin/env python3
"""The same M/M/c experiment as `deploy-advisor queue`, in SimPy, for a speed comparison.

Poisson arrivals at LAMBDA, c servers with exponential service at MU, a FIFO queue
(simpy.Resource), N customers. Prints the mean wait, P(wait > 0) and the number of
events the SimPy environment processed per second, in the same terms as
`deploy-advisor queue --format json` (one arrival and one departure per customer, as
our engine counts them).

    pip install simpy
    python3 Benchmarks/peers/simpy_mmc.py --servers 4 --arrival-rate 3.6 --service-rate 1 --customers 200000
    deploy-advisor queue --servers 4 --arrival-rate 3.6 --service-rate 1 --customers 200000 --format json

Run both back to back and compare `eventsPerSecond`.
"""
import argparse
import json
import random
import time

import simpy


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--servers", type=int, required=True)
    p.add_argument("--arrival-rate", type=float, required=True)
    p.add_argument("--service-rate", type=float, required=True)
    p.add_argument("--customers", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()

    rng = random.Random(a.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=a.servers)
    warmup = a.customers // 10
    waits = []

    def customer(i):
        arrived = env.now
        with servers.request() as req:
            yield req
            if i >= warmup:
                waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(a.service_rate))

    def source():
        for i in range(a.customers):
            yield env.timeout(rng.expovariate(a.arrival_rate))
            env.process(customer(i))

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    events = 2 * a.customers  # arrivals + departures, as our engine counts them
    print(json.dumps({
        "engine": "simpy " + simpy.__version__,
        "customers": a.customers,
        "meanWaitS": sum(waits) / len(waits),
        "probWait": sum(1 for w in waits if w > 0) / len(waits),
        "wallSeconds": wall,
        "eventsPerSecond": events / wall,
    }, indent=2))


if __name__ == "__main__":
    main()
