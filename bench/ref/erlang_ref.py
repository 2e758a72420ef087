#!/usr/bin/env python3
"""Reference for bench_erlang: straightforward Erlang C and Erlang A staffing in Python 3.

Textbook formulas, written for clarity rather than speed: Erlang B by its
recursion, Erlang C from B, Erlang A from Mandelbaum and Zeltyn's expressions
with SciPy's regularised incomplete gamma function; agents searched upward
from the load. It staffs the day given on the command line, repeats it long
enough to time it, and prints lines the benchmark reads:
    a_seconds_per_day S / a_agents N N ... / c_seconds_per_day S / c_agents N N ...
    a_eval_seconds S   (one Erlang A evaluation: 106.7 Erlangs, 115 agents)

Usage: erlang_ref.py INTERVAL_SECONDS AHT THRESHOLD TARGET PATIENCE CALLS...
"""
import math
import sys
import time

from scipy.special import gammainc, gammaln


def erlang_b(n, a):
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c_sl(n, a, aht, t):
    b = erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    return 1 - c * math.exp(-(n - a) * t / aht)


def erlang_a_sl(n, a, aht, t, patience):
    """P(answered within t) over all arrivals in M/M/n+M."""
    mu, theta = 1 / aht, 1 / patience
    lam = a * mu
    x, y = n * mu / theta, lam / theta

    def J(z):  # x e^z z^-x gamma(x, z), gamma the lower incomplete gamma function
        return x * math.exp(z - x * math.log(z) + gammaln(x)) * gammainc(x, z)

    b = erlang_b(n, a)
    r = (1 - b) / b  # the no-wait states' mass relative to the all-busy state
    jy = J(y)
    c = math.exp(-theta * t)
    on_time = (x / y) * ((jy - 1) - c ** x * math.exp(y * (1 - c)) * (J(y * c) - 1))
    return (r + on_time) / (r + jy)


def staff_c(a, aht, t, target):
    n = int(a) + 1
    while erlang_c_sl(n, a, aht, t) < target:
        n += 1
    return n


def staff_a(a, aht, t, target, patience):
    n = max(1, int(a))
    while erlang_a_sl(n, a, aht, t, patience) < target:
        n += 1
    return n


def timed(fn, min_seconds=1.0):
    fn()  # warm up
    runs, t0 = 0, time.perf_counter()
    while True:
        result = fn()
        runs += 1
        el = time.perf_counter() - t0
        if el >= min_seconds:
            return el / runs, result


def main():
    interval, aht, t, target, patience = (float(v) for v in sys.argv[1:6])
    calls = [float(v) for v in sys.argv[6:]]
    loads = [c * aht / interval for c in calls]
    sa, agents_a = timed(lambda: [staff_a(a, aht, t, target, patience) for a in loads])
    sc, agents_c = timed(lambda: [staff_c(a, aht, t, target) for a in loads])
    se, _ = timed(lambda: erlang_a_sl(115, 106.7, aht, t, patience), 0.3)
    print("a_seconds_per_day %.9g" % sa)
    print("a_agents " + " ".join(map(str, agents_a)))
    print("c_seconds_per_day %.9g" % sc)
    print("c_agents " + " ".join(map(str, agents_c)))
    print("a_eval_seconds %.9g" % se)


if __name__ == "__main__":
    main()
