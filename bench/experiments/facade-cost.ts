// Per-call cost of the facade: each loss at a small and a large size, ns per call and per element, from typed
// arrays, with the raw kernel's share where a single kernel does the work. A measuring aid, not part of the suite.
// Run: node scripts/run-ts.mjs bench/experiments/facade-cost.ts [case-prefix,…]
import { F, init, tensor } from '../../src/index.js';
import { MORE } from '../lib/more.js';

await init();
let seed = 12345;
/** A 32-bit LCG; Math.imul keeps the product exact (a float product above 2^53 drops bits: 7323 distinct values in 10^5). */
function rng(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
}
function draw(kind: string, n: number, width: number, lo = 0, hi = 1): Float32Array | Int32Array {
  if (kind === 'class') return Int32Array.from({ length: n }, () => Math.floor(rng() * width));
  if (kind === 'multilabel') {
    const a = new Int32Array(n * width).fill(-1);
    for (let r = 0; r < n; r++) a[r * width] = Math.floor(rng() * width);
    return a;
  }
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++)
    a[i] = kind === 'sign' ? (rng() < 0.5 ? -1 : 1) : kind === 'bits' ? (rng() < 0.5 ? 0 : 1) : lo + (hi - lo) * rng();
  return a;
}
const only = process.argv[2]?.split(',');
const Fx = F as unknown as Record<string, (...a: unknown[]) => unknown>;
const cases: { name: string; fn: string; args: unknown[]; n: number; opts?: unknown }[] = [];
for (const N of [1e3, 1e5]) {
  for (const s of MORE) {
    if (only && !only.some((o) => s.key.startsWith(o))) continue;
    const width = s.width ?? 1;
    const rows = N / width;
    const args = s.args.map((a) => {
      const len = a.per === 'row' ? rows : N;
      const t = draw(a.kind, a.kind === 'multilabel' ? rows : len, width, a.lo, a.hi);
      return { data: t, shape: a.per === 'row' || width === 1 ? [len] : [rows, width] };
    });
    cases.push({
      name: `${s.key}-${N}`,
      fn: s.fn,
      args: args.map((a) => (a.shape.length === 2 ? tensorOf(a) : a.data)),
      n: N,
      opts: s.options,
    });
  }
  for (const fn of ['mseLoss', 'l1Loss', 'smoothL1Loss']) {
    if (only && !only.some((o) => fn.startsWith(o))) continue;
    cases.push({ name: `${fn}-${N}`, fn, args: [draw('u', N, 1), draw('u', N, 1)], n: N });
  }
}
function tensorOf(a: { data: Float32Array | Int32Array; shape: number[] }) {
  return tensor(a.data, { shape: a.shape });
}
for (const c of cases) {
  const call = () => (c.opts ? Fx[c.fn](...c.args, c.opts) : Fx[c.fn](...c.args));
  for (let i = 0; i < 200; i++) call();
  const reps = Math.max(20, Math.round(2e7 / c.n));
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) call();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  console.log(
    `${c.name.padEnd(28)} ${(best * 1e3).toFixed(2).padStart(9)} µs/call ${((best * 1e6) / c.n).toFixed(3).padStart(8)} ns/el`,
  );
}
