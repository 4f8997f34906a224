#!/usr/bin/env python3
"""Reference values for the regression gate's statistics, from SciPy.

Prints U and the one-sided p-value of scipy.stats.mannwhitneyu(x, y, alternative="greater",
method="asymptotic", use_continuity=True) for fixed samples (with and without ties), and the
medians for the bootstrap's point estimate. The numbers are pasted into StatisticsTests.swift.

    pip install scipy
    python3 Tests/RegressionTests/Reference/mannwhitney_reference.py
"""
import numpy as np
from scipy.stats import mannwhitneyu

CASES = {
    "distinct": ([10.2, 11.5, 9.8, 12.1, 10.9, 11.8, 12.5, 10.1], [9.1, 9.9, 10.0, 9.5, 8.8, 9.7, 10.3, 9.2, 9.6]),
    "ties": ([3, 4, 4, 5, 6, 6, 6, 7], [2, 3, 3, 4, 4, 5, 5, 6]),
    "identical": ([5.0] * 6, [5.0] * 7),
    "shifted": (list(np.round(np.linspace(1.0, 2.0, 40) + 0.15, 6)), list(np.round(np.linspace(1.0, 2.0, 40), 6))),
}

for name, (x, y) in CASES.items():
    r = mannwhitneyu(x, y, alternative="greater", method="asymptotic", use_continuity=True)
    print(f"{name}: U={r.statistic!r} p={r.pvalue!r} median_ratio={np.median(x) / np.median(y)!r}")
