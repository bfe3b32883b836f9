// EXPERIMENT, not part of simdloss: ns per element of the CrossEntropy row kernels of a build (softmax_stats_f32,
// softmax_stats_wide_f32, ce_index_grad_f32, and ce_index_fused_f32 where the build has it) on resident float32
// logits, C = 1000 and 32000, at 10^5 (cache) and 10^6 / 10^7 elements. Run with
// `node scripts/run-ts.mjs bench/experiments/ce-kernels.ts [build/simdloss.wasm] [filter]`. Median of 11 samples.
import { readFileSync } from 'node:fs';
import { rng } from '../lib/data.js';

const file = process.argv[2] ?? 'build/simdloss.wasm';
const filter = process.argv[3] ?? '';
const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } }).exports as Record<
  string,
  (...a: number[]) => number
> & { heap_base(): number };

for (const [C, n] of [
  [1000, 1e5],
  [1000, 1e6],
  [1000, 1e7],
  [32000, 1.024e6],
  [32000, 1.024e7],
]) {
  const rows = n / C;
  let top = Math.ceil(k.heap_base() / 16) * 16;
  const alloc = (bytes: number): number => {
    const p = top;
    top = Math.ceil((p + bytes) / 16) * 16;
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    return p;
  };
  const x = alloc(n * 4);
  const t = alloc(rows * 4);
  const gx = alloc(n * 4);
  const st = alloc(rows * 16);
  const res = alloc(64);
  const r = rng(C + n);
  const xv = new Float32Array(memory.buffer, x, n);
  for (let i = 0; i < n; i++) xv[i] = (r() - 0.5) * 8;
  const tv = new Int32Array(memory.buffer, t, rows);
  for (let i = 0; i < rows; i++) tv[i] = Math.floor(r() * C);
  const runs: Record<string, () => void> = {
    stats: () => k.softmax_stats_f32(x, rows, C, 1, 1, st),
    'stats+loss': () => {
      k.softmax_stats_f32(x, rows, C, 1, 1, st);
      k.ce_index_loss_f32(x, t, 0, st, rows, C, 1, 1, -100, 0, 0, 0, res);
    },
    wide: () => k.softmax_stats_wide_f32(x, rows, C, 1, 1, st),
    grad: () => k.ce_index_grad_f32(x, t, 0, st, rows, C, 1, 1, -100, 0, 0, 1 / rows, gx),
    'grad eps=0.1': () => k.ce_index_grad_f32(x, t, 0, st, rows, C, 1, 1, -100, 0.1, 0, 1 / rows, gx),
  };
  if (typeof k.ce_index_fused_f32 === 'function') {
    runs.fused = () => k.ce_index_fused_f32(x, t, 0, rows, C, -100, 0, 1 / rows, gx, res);
  }
  for (const [name, run] of Object.entries(runs)) {
    const label = `C=${C} n=${n.toExponential(2)} ${name}`;
    if (!label.includes(filter)) continue;
    const calls = Math.max(1, Math.round(3e6 / n));
    runs.wide();
    for (let i = 0; i < calls; i++) run();
    const samples: number[] = [];
    for (let s = 0; s < 11; s++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) run();
      samples.push(Number(process.hrtime.bigint() - t0) / calls / n);
    }
    samples.sort((a, b) => a - b);
    console.log(`${label.padEnd(40)} ${samples[5].toFixed(3)} ns/el`);
  }
}
