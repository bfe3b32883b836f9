// EXPERIMENT, not part of simdloss: per-call cost of F.binaryCrossEntropy and F.crossEntropy from typed arrays at
// small N (issue 9's "per-call overhead at 10^3"), and ns per element at larger N, against the current build of
// src/ (run with `node scripts/run-ts.mjs bench/experiments/overhead.ts [filter]`). Prints the median of 15 samples.
import { F } from '../../src/index.js';

type Case = { name: string; n: number; run: () => unknown };
const filter = process.argv[2] ?? '';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of [1e3, 1e5]) {
    const r = rng(n);
    const sets = 8;
    const xs = Array.from({ length: sets }, () => Float32Array.from({ length: n }, () => 0.01 + 0.98 * r()));
    const ys = Array.from({ length: sets }, () => Float32Array.from({ length: n }, () => (r() < 0.5 ? 0 : 1)));
    let k = 0;
    out.push({ name: `bce ${n}`, n, run: () => F.binaryCrossEntropy(xs[k % sets], ys[k++ % sets]) });
  }
  for (const [C, n] of [
    [10, 1e3],
    [10, 1e5],
    [1000, 1e3],
    [1000, 1e5],
    [32000, 1024000],
  ]) {
    const rows = n / C;
    const r = rng(C + n);
    const sets = 4;
    const xs = Array.from({ length: sets }, () => Float32Array.from({ length: n }, () => (r() - 0.5) * 8));
    const ts = Array.from({ length: sets }, () => Int32Array.from({ length: rows }, () => Math.floor(r() * C)));
    let k = 0;
    out.push({
      name: `ce C=${C} ${n}`,
      n,
      run: () => F.crossEntropy({ data: xs[k % sets], shape: [rows, C] }, ts[k++ % sets]),
    });
  }
  return out;
}

for (const c of cases()) {
  if (!c.name.includes(filter)) continue;
  const calls = Math.max(1, Math.round(2e6 / c.n));
  for (let i = 0; i < calls; i++) c.run();
  const samples: number[] = [];
  for (let s = 0; s < 15; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) c.run();
    samples.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  samples.sort((a, b) => a - b);
  const med = samples[7];
  console.log(`${c.name.padEnd(18)} ${(med / 1000).toFixed(2).padStart(9)} µs/call  ${(med / c.n).toFixed(3)} ns/el`);
}
