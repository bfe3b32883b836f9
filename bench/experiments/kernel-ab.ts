// A/B timing of raw kernels from two wasm builds in one process (bench/lib/simdloss.ts rawKernel's way: a bare
// instance per build, `stagedCase`, the bench's case data copied in once). Interleaved samples, median (and
// minimum) ns per element each and their ratio; values compared first.
//   node scripts/run-ts.mjs bench/experiments/kernel-ab.ts <old.wasm> <new.wasm> [case-id ...] [--rounds=N]
// Case ids as the bench's (bce-f32-1e5, ce10-f32-1e5, …): float32 MSE, L1, SmoothL1 (β = 1) and BCE sums, CE index
// loss (stats + loss);
// `ce10-f32-1e5:stats` or `:loss` times one of the two CE kernels alone, `:fused` the value-and-gradient kernel
// (ce_index_fused_f32, 'mean'). Issue 10's elementwise losses
// (poissonnll-f32-1e5, gaussiannll-f32-1e5, marginranking-f32-1e5, huber-f32-1e5) time their term's sum kernel with default options (`:map` its map,
// `:grad` its gradient of the input).
import { allCases } from '../lib/cases.js';
import type { Case } from '../lib/cases.js';
import { generate } from '../lib/data.js';
import { stagedCase } from '../lib/simdloss.js';

/** Issue 10's elementwise cases: the term each runs with its default options (src/losses/). */
const TERMS: Record<string, { name: string; p: number; q: number }> = {
  poissonnll: { name: 'poisson_nll_log', p: 1e-8, q: 0 },
  gaussiannll: { name: 'gaussian_nll', p: 1e-6, q: 0 },
  marginranking: { name: 'margin_ranking', p: 0, q: 0 },
  huber: { name: 'huber', p: 1, q: 0 },
};

function setup(file: string, c: Case, part: string): { call: (s: number) => number } {
  const d = generate(c);
  const { k, memory, px, py, res, put } = stagedCase(file, d);
  const st = put(new Float64Array(2 * (c.rows ?? 0)));
  const n = c.elements;
  if (c.loss === 'bce') return { call: (s) => k.bce_sum_f32(px[s], py[s], 0, 0, n, 0, 0) / n };
  const pointwise = { mse: 'sq_diff', l1: 'abs_diff', smoothL1: 'smooth_l1' } as Record<string, string>;
  if (pointwise[c.loss]) return { call: (s) => k[`${pointwise[c.loss]}_sum_f32`](px[s], py[s], 0, 0, n, 1, 0) / n };
  if (c.loss === 'more') {
    const term = TERMS[c.more!];
    if (!term) throw new Error(`no elementwise term for ${c.id}`);
    const pc = d.args!.map((a) => (a[2] ? put(a[2]) : 0));
    const out = put(new Float32Array(n));
    if (part === 'map') {
      return {
        call: (s) => {
          k[`${term.name}_map_f32`](px[s], py[s], pc[s], 0, out, n, term.p, term.q);
          return new Float32Array(memory.buffer, out, n)[n >> 1];
        },
      };
    }
    if (part === 'grad') {
      return {
        call: (s) => {
          k[`${term.name}_grad_f32`](px[s], py[s], pc[s], 0, 0, 1 / n, out, 0, 0, n, term.p, term.q);
          return new Float32Array(memory.buffer, out, n)[n >> 1];
        },
      };
    }
    return { call: (s) => k[`${term.name}_sum_f32`](px[s], py[s], pc[s], 0, n, term.p, term.q) / n };
  }
  const rows = c.rows!;
  const C = c.classes!;
  const sts = px.map(() => put(new Float64Array(2 * rows)));
  for (const [s, x] of px.entries()) k.softmax_stats_f32(x, rows, C, 1, 1, sts[s]);
  if (part === 'stats') {
    return {
      call: (s) => {
        k.softmax_stats_f32(px[s], rows, C, 1, 1, st);
        return 0;
      },
    };
  }
  if (part === 'fused') {
    const gx = put(new Float32Array(c.elements));
    return {
      call: (s) => {
        k.ce_index_fused_f32(px[s], py[s], 0, rows, C, -100, 0, 1 / rows, gx, res);
        return new Float64Array(memory.buffer, res, 1)[0] / rows + new Float32Array(memory.buffer, gx, n)[n >> 1];
      },
    };
  }
  if (part === 'loss') {
    return {
      call: (s) => {
        k.ce_index_loss_f32(px[s], py[s], 0, sts[s], rows, C, 1, 1, -100, 0, 0, 0, res);
        return new Float64Array(memory.buffer, res, 1)[0] / rows;
      },
    };
  }
  return {
    call: (s) => {
      k.softmax_stats_f32(px[s], rows, C, 1, 1, st);
      k.ce_index_loss_f32(px[s], py[s], 0, st, rows, C, 1, 1, -100, 0, 0, 0, res);
      return new Float64Array(memory.buffer, res, 1)[0] / rows;
    },
  };
}

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 40);
const [oldFile, newFile, ...rest] = args.filter((a) => !a.startsWith('--'));
const ids = rest.length ? rest : ['bce-f32-1e5', 'ce10-f32-1e5'];
const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const id of ids) {
  const [caseId, part = 'all'] = id.split(':');
  const c = allCases(false).find((x) => x.id === caseId);
  if (!c) throw new Error(`no case ${caseId}`);
  const impls = [setup(oldFile, c, part), setup(newFile, c, part)];
  const values = impls.map((m) => m.call(0));
  const calls = Math.max(1, Math.round(4e5 / c.elements));
  const t: number[][] = [[], []];
  let next = 0;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < 2; j++) {
      const m = impls[(r + j) % 2];
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < calls; b++) m.call(next++ % c.sets);
      t[(r + j) % 2].push(Number(process.hrtime.bigint() - t0) / (calls * c.elements));
    }
  }
  const [a, b] = t.map(median);
  const [ma, mb] = t.map((v) => Math.min(...v));
  const rel = Math.abs(values[0] - values[1]) / Math.abs(values[0]);
  console.log(
    `${id}: old ${a.toFixed(3)} ns/el, new ${b.toFixed(3)} ns/el, old/new ${(a / b).toFixed(3)}× (min ${ma.toFixed(3)} / ${mb.toFixed(3)} = ${(ma / mb).toFixed(3)}×); values ${values[0]} vs ${values[1]} (rel ${rel.toExponential(2)})`,
  );
}
