#!/usr/bin/env python3
"""Reference for bench_sim: M/M/14+M in SimPy, the textbook way.

Debian 12's python3-simpy is SimPy 2.3.1, whose API is SimPy.Simulation
(process interaction with Process / Resource / yield hold, and reneging by
the compound `yield (request, ...), (hold, ...)` followed by
`self.acquired()`, as in the SimPy 2 "Bank" tutorial). One process per
caller. Prints one JSON line: events (arrivals + service completions +
abandonments), seconds, events_per_second and the model's figures.

Usage: sim_simpy.py CALLS AGENTS CALLS_PER_INTERVAL INTERVAL_S AHT_S PATIENCE_S THRESHOLD_S SEED
"""
import json
import random
import sys
import time

import SimPy
from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

calls, agents, per_iv, iv_s, aht, patience, threshold, seed = sys.argv[1:9]
calls, agents, seed = int(calls), int(agents), int(seed)
rate = float(per_iv) / float(iv_s)
aht, patience, threshold = float(aht), float(patience), float(threshold)

stats = {"arrivals": 0, "completions": 0, "abandons": 0, "within": 0, "waited": 0}


class Caller(Process):
    def visit(self, agents_res):
        arrive = now()
        stats["arrivals"] += 1
        if agents_res.n == 0:
            stats["waited"] += 1
        yield (request, self, agents_res), (hold, self, random.expovariate(1.0 / patience))
        if self.acquired(agents_res):
            if now() - arrive <= threshold:
                stats["within"] += 1
            yield hold, self, random.expovariate(1.0 / aht)
            yield release, self, agents_res
            stats["completions"] += 1
        else:
            stats["abandons"] += 1


class Source(Process):
    def generate(self, n, agents_res):
        for _ in range(n):
            c = Caller()
            activate(c, c.visit(agents_res))
            yield hold, self, random.expovariate(rate)


random.seed(seed)
t0, c0 = time.perf_counter(), time.process_time()
initialize()
counter = Resource(capacity=agents, monitored=False)
src = Source()
activate(src, src.generate(calls, counter))
simulate(until=1e15)
secs, cpu = time.perf_counter() - t0, time.process_time() - c0
events = stats["arrivals"] + stats["completions"] + stats["abandons"]
print(json.dumps({
    "simpy": getattr(SimPy, "__version__", "2"),
    "api": "SimPy 2 (SimPy.Simulation: one process per caller, compound-yield reneging)",
    "events": events,
    "seconds": secs,
    "events_per_second": events / secs,
    "events_per_cpu_second": events / cpu,
    "sl_offered": stats["within"] / stats["arrivals"],
    "abandon_rate": stats["abandons"] / stats["arrivals"],
    "p_wait": stats["waited"] / stats["arrivals"],
}))
