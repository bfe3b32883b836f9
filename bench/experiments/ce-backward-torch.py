#!/usr/bin/python3
"""EXPERIMENT: torch 1 thread, F.cross_entropy forward + backward (autograd), ns per element, median of 11."""
import time
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
for C, n in [(1000, 10**5), (1000, 10**6), (1000, 10**7), (32000, 1024000), (32000, 10240000)]:
    rows = n // C
    g = torch.Generator().manual_seed(C + n)
    x = ((torch.rand(rows, C, generator=g) - 0.5) * 8).requires_grad_()
    t = torch.randint(0, C, (rows,), generator=g)
    for eps in (0.0, 0.1):
        calls = max(1, round(3e6 / n))
        def run():
            x.grad = None
            F.cross_entropy(x, t, label_smoothing=eps).backward()
        for _ in range(calls):
            run()
        samples = []
        for _ in range(11):
            t0 = time.perf_counter_ns()
            for _ in range(calls):
                run()
            samples.append((time.perf_counter_ns() - t0) / calls / n)
        samples.sort()
        fw = []
        for _ in range(11):
            t0 = time.perf_counter_ns()
            for _ in range(calls):
                with torch.no_grad():
                    F.cross_entropy(x, t, label_smoothing=eps)
            fw.append((time.perf_counter_ns() - t0) / calls / n)
        fw.sort()
        print(f"C={C} n={n:.2e} eps={eps} forward {fw[5]:.3f} fwd+bwd {samples[5]:.3f} ns/el")
