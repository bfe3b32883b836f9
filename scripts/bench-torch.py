#!/usr/bin/python3
"""PyTorch CPU competitor of the simdloss benchmark (bench/run.ts starts it once per dtype).

Reads a manifest (JSON, path in argv[1]) listing cases and the binary files bench/run.ts wrote, and for each
case and each thread count times torch.nn.functional's loss on the same rotating input sets in the same schedule
as the JS side: every sample is `batch` calls cycling through the sets, samples are taken until both the time
budget and the minimum count are met, and the median sample is reported in ns per element. Prints one JSON
object: {"torch": version, "cases": {id: {"value": v, "threads": {"1": {...}, "2": {...}}}}}.

Case kinds: issue 3's losses and CrossEntropy ("loss": "mse", ..., "ce"); "ceBackward", CrossEntropy's value and
gradient by torch.autograd.grad (forward and backward timed together, as simdloss's valueAndGrad; the entry also
holds "gradDot" = sum(grad * x) in float64, which the JS side checks); and "more", issue 10's losses, whose call is
the Python expression in the manifest ("torch", from bench/lib/more.ts) over `a`, the argument tensors (integer
arguments, stored as int32, become int64 as torch wants).

bench/run.ts starts this with glibc malloc tuned (MALLOC_MMAP_THRESHOLD_ etc., bench/lib/external.ts) so that
torch's temporaries reuse heap memory instead of faulting in fresh mmap pages on every call.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"float32": (np.float32, torch.float32), "float64": (np.float64, torch.float64)}


def load_more(case):
    """Every argument of every set of an issue-10 case: a list (per set) of lists (per argument) of tensors."""
    np_dtype, _ = DTYPES[case["dtype"]]
    sets = case["sets"]
    per_set = []
    for k, (path, shape, is_int) in enumerate(zip(case["args"], case["argShapes"], case["argInts"])):
        whole = np.fromfile(path, dtype=np.int32 if is_int else np_dtype)
        t = torch.from_numpy(whole.astype(np.int64) if is_int else whole)
        length = int(np.prod(shape))
        per_set.append([t[s * length:(s + 1) * length].view(*shape) for s in range(sets)])
    return [[per_set[k][s] for k in range(len(per_set))] for s in range(sets)]


def load(case):
    np_dtype, _ = DTYPES[case["dtype"]]
    n, sets = case["elements"], case["sets"]
    x = torch.from_numpy(np.fromfile(case["x"], dtype=np_dtype))
    if case["loss"] in ("ce", "ceBackward"):
        rows, classes = case["rows"], case["classes"]
        y = torch.from_numpy(np.fromfile(case["y"], dtype=np.int32).astype(np.int64))
        xs = [x[s * n:(s + 1) * n].view(rows, classes) for s in range(sets)]
        ys = [y[s * rows:(s + 1) * rows] for s in range(sets)]
    else:
        y = torch.from_numpy(np.fromfile(case["y"], dtype=np_dtype))
        xs = [x[s * n:(s + 1) * n] for s in range(sets)]
        ys = [y[s * n:(s + 1) * n] for s in range(sets)]
    return xs, ys


def backward_fn(x, y):
    """CrossEntropy forward and backward in one call: the value and d loss / d x, as valueAndGrad returns them."""
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(x, y)
    (grad,) = torch.autograd.grad(loss, x)
    return loss.detach(), grad


def loss_fn(loss):
    return {
        "mse": F.mse_loss,
        "l1": F.l1_loss,
        "smoothL1": lambda x, y: F.smooth_l1_loss(x, y, beta=1.0),
        "bce": F.binary_cross_entropy,
        "ce": F.cross_entropy,
    }[loss]


def time_case(case, fn, args, schedule):
    """Times fn(*args[s]) with s cycling through the sets (args[s]: the tensors of set s)."""
    batch, sets = case["batch"], case["sets"]
    state = {"next": 0}

    def sample():
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            s = state["next"]
            fn(*args[s])
            state["next"] = 0 if s + 1 == sets else s + 1
        return time.perf_counter_ns() - t0

    budget_ns = schedule["timeMs"] * 1e6
    # Probe batches as bench/lib/timing.ts runs them (WARM_BATCHES = 8, capped at WARM_CAP_MS = 3 s, at least 2):
    # the first ~7 calls of MSE at 10^7 take ~200 ms here (fresh heap pages in a VM), then ~7 ms. When the last
    # probe is over half the budget, two samples follow and no more warmup.
    start = time.perf_counter_ns()
    last = 0
    for k in range(8):
        if k >= 2 and time.perf_counter_ns() - start >= 3000 * 1e6:
            break
        last = sample()
    slow = last > budget_ns / 2
    samples = []
    if slow:
        samples = [sample(), sample()]
    else:
        warm_end = time.perf_counter_ns() + budget_ns / 4
        for i in range(1000000):
            sample()
            if i >= 1 and time.perf_counter_ns() >= warm_end:
                break
        end = time.perf_counter_ns() + budget_ns
        while len(samples) < schedule["minSamples"] or time.perf_counter_ns() < end:
            samples.append(sample())
    samples.sort()
    mid = len(samples) // 2
    median = samples[mid] if len(samples) % 2 else (samples[mid - 1] + samples[mid]) / 2
    return {"nsPerElement": median / (batch * case["elements"]), "samples": len(samples)}


def main():
    manifest = json.load(open(sys.argv[1]))
    out = {"torch": torch.__version__, "cases": {}}
    for case in manifest["cases"]:
        if case["loss"] == "more":
            args = load_more(case)
            fn = eval("lambda *a: " + case["torch"], {"F": F, "torch": torch})
        else:
            xs, ys = load(case)
            args = list(zip(xs, ys))
            fn = backward_fn if case["loss"] == "ceBackward" else loss_fn(case["loss"])
        # Forward-only cases run under no_grad (no autograd graph is built); the backward case needs the graph.
        threads_wanted = case.get("threads") or manifest["threads"]
        with torch.set_grad_enabled(case["loss"] == "ceBackward"):
            torch.set_num_threads(threads_wanted[0])
            first = fn(*args[0])
            if case["loss"] == "ceBackward":
                value, grad = first
                entry = {
                    "value": float(value.item()),
                    "gradDot": float((grad.double() * args[0][0].double()).sum().item()),
                    "threads": {},
                }
            else:
                entry = {"value": float(first.item()), "threads": {}}
            for threads in threads_wanted:
                torch.set_num_threads(threads)
                entry["threads"][str(threads)] = time_case(case, fn, args, manifest["schedule"])
        out["cases"][case["id"]] = entry
        print(f"  torch {case['id']}: " + ", ".join(
            f"{t} thread(s) {r['nsPerElement']:.3f} ns/el" for t, r in entry["threads"].items()), file=sys.stderr)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
