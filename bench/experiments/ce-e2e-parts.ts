// EXPERIMENT, not part of simdloss: where CrossEntropy's end-to-end valueAndGrad spends its time beyond the
// resident call (float32, C = 1000): a fresh gradient per call, the copy-in of the logits, the copy-out of the
// gradient. `node scripts/run-ts.mjs bench/experiments/ce-e2e-parts.ts`.
import { alloc, F, Tensor, valueAndGrad } from '../../src/index.js';
import { rng } from '../lib/data.js';

const C = 1000;
for (const n of [1e5, 1e6, 1e7]) {
  const rows = n / C;
  const r = rng(n);
  const xs = new Float32Array(n);
  for (let i = 0; i < n; i++) xs[i] = (r() - 0.5) * 8;
  const ts = new Int32Array(rows);
  for (let i = 0; i < rows; i++) ts[i] = Math.floor(r() * C);
  const xr = alloc([rows, C], 'float32');
  (xr.data as Float32Array).set(xs);
  const tr = alloc([rows], 'int32');
  (tr.data as Int32Array).set(ts);
  const gr = alloc([rows, C], 'float32');
  const gjs = new Tensor(new Float32Array(n), [rows, C], 'float32');
  const vg = valueAndGrad(F.crossEntropy);
  const x = { data: xs, shape: [rows, C] };
  const cases: Record<string, () => unknown> = {
    'resident x, into resident': () => valueAndGrad(F.crossEntropy, { into: [gr, null] })(xr, tr),
    'resident x, into JS tensor': () => valueAndGrad(F.crossEntropy, { into: [gjs, null] })(xr, tr),
    'resident x, fresh gradient': () => vg(xr, tr),
    'JS x, into resident': () => valueAndGrad(F.crossEntropy, { into: [gr, null] })(x, ts),
    'JS x, into JS tensor': () => valueAndGrad(F.crossEntropy, { into: [gjs, null] })(x, ts),
    'JS x, fresh gradient': () => vg(x, ts),
    'new Float32Array(n) + fill': () => new Float32Array(n).fill(1),
  };
  for (const [name, run] of Object.entries(cases)) {
    const calls = Math.max(2, Math.round(2e6 / n));
    for (let i = 0; i < calls; i++) run();
    const samples: number[] = [];
    for (let s = 0; s < 9; s++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) run();
      samples.push(Number(process.hrtime.bigint() - t0) / calls / n);
    }
    samples.sort((a, b) => a - b);
    console.log(
      `n=${n.toExponential(0)} ${name.padEnd(30)} ${samples[4].toFixed(3)} ns/el (min ${samples[0].toFixed(3)})`,
    );
  }
  xr.free();
  tr.free();
  gr.free();
}
