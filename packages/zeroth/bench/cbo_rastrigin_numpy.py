"""The CBXpy T1 study (anisotropic CBO, Rastrigin d=20, N=40, M=100) as CBXpy computes one step, in plain numpy.

Peer for cbo-rastrigin.bench.js: CBXpy itself is not installable here (no PyPI), so this reproduces its vectorised
update (`cbx/dynamics/cbo.py` `cbo_update`, `pdyn.py` consensus by logsumexp over the particle axis, anisotropic noise
`sigma * sqrt(dt) * drift * randn`, `multiply(factor=1.05, maximum=1e5)` alpha schedule, best-particle tracking) with
numpy arrays of shape [M, N, d] in float64, as CBXpy does. Prints one JSON line.

    python3 cbo_rastrigin_numpy.py <steps>
"""
import json
import sys
import time

import numpy as np

M, N, D = 100, 40, 20
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = np.random.default_rng(0)


def rastrigin(x):
    return 10 * D + np.sum(x * x - 10 * np.cos(2 * np.pi * x), axis=-1)


def logsumexp(a, axis):
    amax = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(amax, axis) + np.log(np.sum(np.exp(a - amax), axis=axis))


x = rng.uniform(-3, 3, size=(M, N, D))
alpha = np.full((M, 1), 30.0)
best_f = np.full(M, np.inf)
best_x = np.zeros((M, D))
dt, lam, sigma = 0.01, 1.0, 10.1
t0 = time.perf_counter()
for _ in range(steps):
    energy = rastrigin(x)
    i_min = np.argmin(energy, axis=1)
    f_min = energy[np.arange(M), i_min]
    improved = f_min < best_f
    best_f = np.where(improved, f_min, best_f)
    best_x[improved] = x[np.arange(M), i_min][improved]
    log_w = -alpha * energy
    weights = np.exp(log_w - logsumexp(log_w, axis=1)[:, None])
    consensus = np.sum(weights[:, :, None] * x, axis=1, keepdims=True)
    drift = x - consensus
    x = x - lam * dt * drift + sigma * np.sqrt(dt) * drift * rng.standard_normal(size=x.shape)
    alpha = np.minimum(alpha * 1.05, 1e5)
seconds = time.perf_counter() - t0
success = float(np.mean(np.max(np.abs(best_x), axis=1) < 0.25))
print(json.dumps({"successRate": success, "seconds": seconds, "iterationsPerSecond": steps / seconds, "numpy": np.__version__}))
