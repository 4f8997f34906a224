#!/usr/bin/env python3
"""Reference outputs for the simulation tests, computed independently of the Swift code.

1. xoshiro256** — a line-by-line Python port of the authors' C reference
   (https://prng.di.unimi.it/xoshiro256starstar.c), from state {1, 2, 3, 4}.
2. SplitMix64 seeding — the authors' splitmix64.c, used to fill the state from a seed.
3. Erlang C figures from scipy-free textbook formulas in exact rational arithmetic
   (fractions.Fraction), for small cases.

Run: python3 Tests/SimulationTests/Reference/xoshiro_reference.py
The numbers it prints are pasted into SimulationTests/ReferenceValuesTests.swift.
"""
from fractions import Fraction
from math import factorial

MASK = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256starstar(s):
    result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
    t = (s[1] << 17) & MASK
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def erlang_c(c, a):
    """Textbook form: C = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a))."""
    a = Fraction(a)
    top = a ** c / factorial(c) * Fraction(c) / (c - a)
    bottom = sum(a ** k / factorial(k) for k in range(c)) + top
    return top / bottom


if __name__ == "__main__":
    s = [1, 2, 3, 4]
    print("xoshiro256** from {1,2,3,4}:", [xoshiro256starstar(s) for _ in range(6)])
    st = 42
    seeded = []
    for _ in range(4):
        st, z = splitmix64(st)
        seeded.append(z)
    print("seeded(42) state:", seeded)
    print("xoshiro256** seeded(42):", [xoshiro256starstar(seeded) for _ in range(3)])
    for c, lam, mu in [(1, Fraction(8, 10), 1), (2, 1, 1), (4, Fraction(36, 10), 1), (10, 8, 1)]:
        a = Fraction(lam) / mu
        C = erlang_c(c, a)
        wq = C / (c * mu - lam)
        print(f"c={c} lambda={float(lam)} mu={mu}: C={float(C)!r} Wq={float(wq)!r}")
