// One timing schedule for every in-process implementation (simdloss modes, plain loops, tfjs): tinybench runs a
// task whose every sample is `batch` calls rotating through the case's input sets, and reports the median
// sample in ns per element. The PyTorch and C competitors reproduce the same schedule (scripts/bench-torch.py,
// scripts/bench-c.c).
import { Bench } from 'tinybench';
import type { Case } from './cases.js';

/** Time budget per implementation and case, and the minimum number of samples. */
export interface Schedule {
  timeMs: number;
  minSamples: number;
}

export const FULL: Schedule = { timeMs: 250, minSamples: 5 };
export const QUICK: Schedule = { timeMs: 100, minSamples: 3 };

export interface Timing {
  /** Median sample / (batch × elements), in nanoseconds. */
  nsPerElement: number;
  /** Samples taken. */
  samples: number;
  /** Relative margin of error of the mean sample, in percent (tinybench's rme). */
  rme: number;
}

/**
 * Keeps results observable so no engine can drop a call as dead code (exported for that reason only).
 * @public
 */
export let sink = 0;

/**
 * Probe batches before any timing: at least this many (and at most WARM_CAP_MS of them, but at least 2). The first
 * calls of a large case pay for fresh memory: PyTorch's first ~7 calls of MSE at 10^7 take ~200 ms each on this
 * kind of machine (a VM: first touches of heap pages are expensive), then ~7 ms, so fewer probes measured torch
 * cold at 13–18 ns/element.
 */
export const WARM_BATCHES = 8;
export const WARM_CAP_MS = 3000;

/**
 * Times `call(set)` under the case's schedule: each sample makes `batch` calls over rotating sets. First, untimed,
 * WARM_BATCHES probe batches (capped at WARM_CAP_MS); when the last probe took more than half the time budget
 * (tfjs-cpu and the plain loops at 10^7), the run settles for two samples, the same rule scripts/bench-torch.py
 * and scripts/bench-c-kernels.c apply, so a full run stays within minutes.
 */
export function timeCalls(c: Case, schedule: Schedule, call: (set: number) => number): Timing {
  let next = 0;
  const batch = (): void => {
    let acc = 0;
    for (let b = 0; b < c.batch; b++) {
      acc += call(next);
      next = next + 1 === c.sets ? 0 : next + 1;
    }
    sink += acc;
  };
  const start = performance.now();
  let last = 0;
  for (let k = 0; k < WARM_BATCHES && (k < 2 || performance.now() - start < WARM_CAP_MS); k++) {
    const t0 = performance.now();
    batch();
    last = performance.now() - t0;
  }
  const slow = last > schedule.timeMs / 2;
  const bench = new Bench({
    time: slow ? 0 : schedule.timeMs,
    iterations: slow ? 2 : schedule.minSamples,
    warmup: !slow,
    warmupTime: schedule.timeMs / 4,
    warmupIterations: 2,
  });
  bench.add('call', batch);
  bench.runSync();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') {
    throw new Error(`timing failed (${r.state}${'error' in r ? `: ${String(r.error)}` : ''})`);
  }
  return {
    nsPerElement: (r.latency.p50 * 1e6) / (c.batch * c.elements),
    samples: r.latency.samplesCount,
    rme: r.latency.rme,
  };
}
