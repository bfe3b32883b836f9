// A/B timing of the float32 logistic-family kernels (BCEWithLogits, SoftMargin, KLDiv, MultiLabelSoftMargin: the
// loss kernels a default-options forward runs) from two wasm builds in one process, on the bench's own case data
// (bench/lib/more.ts draws it), as kernel-ab.ts does for BCE and CE: a bare instance per build, the case's sets
// copied in once, interleaved samples, median (and minimum) ns per element and their ratio; the two builds'
// values printed first (they must agree to the bit where the change keeps results).
//   node scripts/run-ts.mjs bench/experiments/logistic-ab.ts <old.wasm> <new.wasm> [key ...] [--rounds=N] [--n=1e5]
// Keys: bcelogits, softmargin, kldiv, multilabelsoftmargin (default: all four).
import { makeCase } from '../lib/cases.js';
import { generate } from '../lib/data.js';
import { stagedCase } from '../lib/simdloss.js';

function setup(file: string, key: string, n: number): { call: (s: number) => number; sets: number; elements: number } {
  const c = makeCase('more', 'float32', n, undefined, key)!;
  const { k, memory, px, py, res } = stagedCase(file, generate(c));
  const N = c.elements;
  const rows = c.rows ?? N;
  const C = c.classes ?? 1;
  const f64 = () => new Float64Array(memory.buffer, res, 1)[0];
  const call =
    key === 'bcelogits'
      ? (s: number) => k.bce_logits_sum_f32(px[s], py[s], 0, 0, N, 0, 0) / N
      : key === 'softmargin'
        ? (s: number) => k.soft_margin_sum_f32(px[s], py[s], 0, 0, N, 0, 0) / N
        : key === 'kldiv'
          ? (s: number) => k.kl_div_sum_f32(px[s], py[s], 0, 0, N, 0, 0) / rows
          : (s: number) => {
              k.multilabel_soft_margin_loss_f32(px[s], py[s], 0, 0, rows, C, 0, 0, res);
              return f64() / rows;
            };
  return { call, sets: c.sets, elements: N };
}

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 40);
const n = Number(args.find((a) => a.startsWith('--n='))?.slice(4) ?? 1e5);
const [oldFile, newFile, ...rest] = args.filter((a) => !a.startsWith('--'));
const keys = rest.length ? rest : ['bcelogits', 'softmargin', 'kldiv', 'multilabelsoftmargin'];
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const key of keys) {
  const impls = [setup(oldFile, key, n), setup(newFile, key, n)];
  const { sets, elements } = impls[0];
  const values = impls.map((m) => Array.from({ length: sets }, (_, s) => m.call(s)));
  const same = values[0].every((v, s) => Object.is(v, values[1][s]));
  const calls = Math.max(1, Math.round(4e5 / elements));
  const t: number[][] = [[], []];
  let next = 0;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < 2; j++) {
      const m = impls[(r + j) % 2];
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < calls; b++) m.call(next++ % sets);
      t[(r + j) % 2].push(Number(process.hrtime.bigint() - t0) / (calls * elements));
    }
  }
  const [a, b] = t.map(median);
  const [ma, mb] = t.map((v) => Math.min(...v));
  console.log(
    `${key}: old ${a.toFixed(3)} ns/el, new ${b.toFixed(3)} ns/el, old/new ${(a / b).toFixed(3)}× (min ${ma.toFixed(3)} / ${mb.toFixed(3)} = ${(ma / mb).toFixed(3)}×); values ${same ? 'bit-identical' : `DIFFER ${values[0][0]} vs ${values[1][0]}`}`,
  );
}
