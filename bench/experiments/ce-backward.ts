// EXPERIMENT, not part of simdloss: CrossEntropy forward + backward on resident float32 logits (alloc'ed, the
// gradient written into an alloc'ed tensor), through nn (forward, then backward) and valueAndGrad, ns per element;
// compare with bench/experiments/ce-backward-torch.py (torch.autograd, same sizes). Run with
// `node scripts/run-ts.mjs bench/experiments/ce-backward.ts [filter]`. Median of 11 samples.
import { alloc, nn, valueAndGrad, F } from '../../src/index.js';
import { rng } from '../lib/data.js';

const filter = process.argv[2] ?? '';

for (const [C, n] of [
  [1000, 1e5],
  [1000, 1e6],
  [1000, 1e7],
  [32000, 1.024e6],
  [32000, 1.024e7],
]) {
  const rows = n / C;
  const r = rng(C + n);
  const x = alloc([rows, C], 'float32');
  const t = alloc([rows], 'int32');
  const gx = alloc([rows, C], 'float32');
  const xd = x.data as Float32Array;
  for (let i = 0; i < n; i++) xd[i] = (r() - 0.5) * 8;
  const td = t.data as Int32Array;
  for (let i = 0; i < rows; i++) td[i] = Math.floor(r() * C);
  for (const eps of [0, 0.1]) {
    const m = new nn.CrossEntropyLoss({ labelSmoothing: eps });
    const vg = valueAndGrad(F.crossEntropy, { into: [gx, null] });
    const runs: Record<string, () => void> = {
      forward: () => F.crossEntropy(x, t, { labelSmoothing: eps }),
      'nn fwd+bwd': () => {
        m.forward(x, t);
        m.backward(1, [gx, null]);
      },
      valueAndGrad: () => vg(x, t, { labelSmoothing: eps }),
    };
    for (const [name, run] of Object.entries(runs)) {
      const label = `C=${C} n=${n.toExponential(2)} eps=${eps} ${name}`;
      if (!label.includes(filter)) continue;
      const calls = Math.max(1, Math.round(3e6 / n));
      for (let i = 0; i < calls; i++) run();
      const samples: number[] = [];
      for (let s = 0; s < 11; s++) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < calls; i++) run();
        samples.push(Number(process.hrtime.bigint() - t0) / calls / n);
      }
      samples.sort((a, b) => a - b);
      console.log(`${label.padEnd(44)} ${samples[5].toFixed(3)} ns/el`);
    }
  }
  x.free();
  t.free();
  gx.free();
}
