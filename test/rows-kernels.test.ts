// The row kernels (assembly/rows/stats.ts, assembly/rows/cross_entropy.ts) in both test builds, against float64
// references written from the definitions (log-softmax with Math.exp / Math.log, then nll, label smoothing,
// probability targets, and the analytic gradients), at class counts and position counts that cover every SIMD
// loop and tail: rows (inner = 1) of C ∈ CLASS_COUNTS classes, LENGTHS-like row counts; class slabs (inner > 1)
// with span = inner and span < inner.
//
//   softmax_stats          m exactly the row's max; s within the bound of assembly/rows/stats.ts's header
//   ce_targets             the first bad target, Σ w_t over the kept positions
//   ce_index_loss,         sums and per-position losses (float64 to 1e-13 of the terms' magnitude, float32 the
//   ce_prob_loss           reference rounded once), every flag, ε, weight and ignore_index, softmax and log-prob
//                          (stats = 0) input
//   ce_index_grad,         the analytic gradient, same tolerances; scalar and per-position upstream; only the span
//   ce_prob_grad           columns written
//   ce_index_fused(_cols)  float32 rows and slabs: the gradient and Σ nll against the definitions with float64
//                          statistics; only the span written
// The SIMD and scalar builds, given the same statistics, must give the same bits for every per-position output and
// every gradient element (the statistics themselves are sums in different orders: s may differ in its last bits).
import { describe, expect, it } from 'vitest';
import type { Floats } from './helpers/builds.js';
import { BUILDS, firstBitDifference, LENGTHS, RawBuild, rng, show, uncalled } from './helpers/builds.js';

const U = 2 ** -53;
const U32 = 2 ** -24;
/** Relative tolerance of float64 results against the reference, of the magnitude of the terms involved. */
const REL = 1e-13;

const CLASS_COUNTS = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 255, 256, 257, 1000];
/** Logits per geometry at most (keeps the float64 references fast). */
const LIMIT = 200_000;

type DType = 'f32' | 'f64';
// Typed as one constructor so that `from` type-checks for both (only numbers are read back).
const CTOR = { f32: Float32Array as unknown as Float64ArrayConstructor, f64: Float64Array } as const;
const DTYPES: DType[] = ['f32', 'f64'];

/** x is [outer, C, inner]; the kernels visit the first `span` positions of each slab, p = o·span + j. */
interface Geometry {
  outer: number;
  C: number;
  inner: number;
  span: number;
}

const label = (g: Geometry) => `[${g.outer}, ${g.C}, ${g.inner}]${g.span < g.inner ? ` span ${g.span}` : ''}`;
const positionsOf = (g: Geometry) => g.outer * g.span;
const indexOf = (g: Geometry, o: number, c: number, j: number) => (o * g.C + c) * g.inner + j;

/** Rows: every class count, at every row count of LENGTHS that keeps the logits under LIMIT. */
const ROWS: Geometry[] = CLASS_COUNTS.flatMap((C) =>
  LENGTHS.filter((r) => r * C <= LIMIT).map((outer) => ({ outer, C, inner: 1, span: 1 })),
);

/** Class slabs: spans of LENGTHS-like sizes (SIMD groups of 4 / 2 positions and the tail), whole and partial. */
const SLABS: Geometry[] = [
  ...[2, 3, 4, 5, 15, 16, 17, 31, 33, 1000].flatMap((span, i): Geometry[] => {
    const C = CLASS_COUNTS[i % 10];
    const outer = 1 + (i % 3);
    return [
      { outer, C, inner: span, span },
      { outer, C, inner: span + 3, span },
      { outer, C, inner: span + 1, span: 1 },
    ];
  }),
  { outer: 2, C: 257, inner: 5, span: 3 },
  { outer: 1, C: 2, inner: 65537, span: 65537 },
  { outer: 3, C: 0, inner: 5, span: 5 },
];

// ---------------------------------------------------------------------------------------------------------------
// Inputs

interface Inputs {
  x: Floats;
  /** Class indices, some equal to `ignore`. */
  t: Int32Array;
  /** Class probabilities (x's layout; not normalised, some exact zeros). */
  y: Floats;
  /** Class weights (one exact 0). */
  w: Floats;
  /** Per-position upstream gradients. */
  g: Floats;
  ignore: number;
}

function inputs(geom: Geometry, dtype: DType, seed: number, ignore = -100): Inputs {
  const r = rng(seed);
  const ctor = CTOR[dtype];
  const n = geom.outer * geom.C * geom.inner,
    P = positionsOf(geom);
  const x = ctor.from({ length: n }, () => (r() - 0.5) * 8);
  const t = Int32Array.from({ length: P }, () => (r() < 0.2 || geom.C === 0 ? ignore : Math.floor(r() * geom.C)));
  const y = ctor.from({ length: n }, () => (r() < 0.1 ? 0 : r()));
  const w = ctor.from({ length: geom.C }, (_, c) => (c === 1 ? 0 : 0.25 + 2 * r()));
  const g = ctor.from({ length: P }, () => Math.round((r() - 0.5) * 48) / 8);
  return { x, t, y, w, g, ignore };
}

// ---------------------------------------------------------------------------------------------------------------
// float64 references from the definitions

/** One position's logits. */
function column(x: Floats, geom: Geometry, o: number, j: number, out: Float64Array): Float64Array {
  for (let c = 0; c < geom.C; c++) out[c] = x[indexOf(geom, o, c, j)];
  return out;
}

interface RefStats {
  m: Float64Array;
  s: Float64Array;
  /** The stated bound on |s − Σ e^(x − m)| of each position (assembly/rows/stats.ts), plus the reference's own error. */
  bound: Float64Array;
}

/**
 * m = max, s = Σ e^(x − m) (NaN where m is NaN or ±Inf, or C = 0, as stats.ts states), with the bound of
 * stats.ts's header for the input's dtype.
 */
function refStats(x: Floats, geom: Geometry, wide = false): RefStats {
  const f32 = x instanceof Float32Array && !wide;
  const P = positionsOf(geom);
  const m = new Float64Array(P),
    s = new Float64Array(P),
    bound = new Float64Array(P);
  const col = new Float64Array(geom.C);
  for (let o = 0; o < geom.outer; o++) {
    for (let j = 0; j < geom.span; j++) {
      const p = o * geom.span + j;
      column(x, geom, o, j, col);
      let mx = -Infinity;
      for (const v of col) mx = Number.isNaN(v) || Number.isNaN(mx) ? NaN : Math.max(mx, v);
      let sum = 0,
        b = 0;
      for (const v of col) {
        const e = Math.exp(v - mx);
        sum += e;
        b += f32
          ? // float32: e^d ≤ 1 ulp (2^-23 relative) of d = fl32(x − m), which is within |x − m|·2^-24 of x − m;
            // e^(ln 2^-126) for d below ln 2^-126.
            (e > 0 ? e * (2 * U32 + Math.abs(v - mx) * U32) : 0) + 1.2e-38
          : // expLse: e^x·(8·2^-53 + |x|·1.6e-16), e^−708 for x < −708; Math.exp within 1 ulp; two summations.
            (e > 0 ? e * (10 * U + Math.abs(v - mx) * 1.6e-16) : 0) + Math.exp(-708);
      }
      m[p] = mx;
      s[p] = geom.C === 0 || !(Math.abs(mx) < Infinity) ? NaN : sum;
      // float32 partial sums: at most 16 terms per lane before they are added up (≤ 20 roundings) and flushed.
      bound[p] = b + 2 * geom.C * U * sum + (f32 ? 20 * U32 * sum : 0);
    }
  }
  return { m, s, bound };
}

/** The statistics a kernel computed, as the references take them (m exactly the max; s the kernel's own). */
function givenStats(stats: Float64Array, geom: Geometry): RefStats {
  const P = positionsOf(geom);
  return { m: stats.slice(0, P), s: stats.slice(P, 2 * P), bound: new Float64Array(P) };
}

/** Log-softmax of one position from reference statistics, or the logits themselves (log-probability input). */
function logSoftmax(col: Float64Array, m: number, s: number, logProbs: boolean, out: Float64Array): Float64Array {
  const ls = Math.log(s);
  for (let c = 0; c < col.length; c++) out[c] = logProbs ? col[c] : col[c] - m - ls;
  return out;
}

interface RefLoss {
  /** Σ nll and Σ smooth (index targets), or Σ A (probabilities) in sums[0]. */
  sums: [number, number];
  /** Tolerances of the sums. */
  tol: [number, number];
  out: Float64Array;
  /** Per-position tolerance (float64). */
  outTol: Float64Array;
}

/** PyTorch's cross_entropy / nll_loss with class indices (eps ≤ 0: no smoothing). */
function refIndexLoss(
  inp: Inputs,
  geom: Geometry,
  st: RefStats,
  w: Floats | null,
  eps: number,
  logProbs: boolean,
): RefLoss {
  const P = positionsOf(geom),
    C = geom.C;
  const col = new Float64Array(C),
    lp = new Float64Array(C);
  const out = new Float64Array(P),
    outTol = new Float64Array(P);
  let nllSum = 0,
    smoothSum = 0,
    nllMag = 0,
    smoothMag = 0;
  for (let o = 0; o < geom.outer; o++) {
    for (let j = 0; j < geom.span; j++) {
      const p = o * geom.span + j;
      const ti = inp.t[p];
      if (ti === inp.ignore) continue;
      column(inp.x, geom, o, j, col);
      logSoftmax(col, st.m[p], st.s[p], logProbs, lp);
      const scale = (c: number) =>
        Math.abs(col[c]) + (logProbs ? 0 : Math.abs(st.m[p]) + Math.abs(Math.log(st.s[p]))) + 1;
      const wt = w ? w[ti] : 1;
      const nll = -lp[ti] * wt;
      let smooth = 0,
        smag = 0;
      for (let c = 0; c < C; c++) {
        const wc = w ? w[c] : 1;
        smooth -= lp[c] * wc;
        smag += Math.abs(wc) * scale(c);
      }
      const nmag = Math.abs(wt) * scale(ti);
      nllSum += nll;
      smoothSum += smooth;
      nllMag += nmag;
      smoothMag += smag;
      out[p] = eps > 0 ? (1 - eps) * nll + (eps / C) * smooth : nll;
      outTol[p] = REL * (nmag + (eps > 0 ? (eps / C) * smag : 0));
    }
  }
  return {
    sums: [nllSum, eps > 0 ? smoothSum : 0],
    tol: [REL * nllMag + P * U * nllMag, eps > 0 ? REL * smoothMag + P * U * smoothMag : 0],
    out,
    outTol,
  };
}

/** Cross entropy with class probabilities y: A = Σ_c (lp_c·y'_c)·w_c, y' = y·(1 − ε) + ε/C; the loss is −A. */
function refProbLoss(
  inp: Inputs,
  geom: Geometry,
  st: RefStats,
  w: Floats | null,
  eps: number,
  logProbs: boolean,
): RefLoss {
  const P = positionsOf(geom),
    C = geom.C;
  const col = new Float64Array(C),
    lp = new Float64Array(C);
  const out = new Float64Array(P),
    outTol = new Float64Array(P);
  let total = 0,
    mag = 0;
  for (let o = 0; o < geom.outer; o++) {
    for (let j = 0; j < geom.span; j++) {
      const p = o * geom.span + j;
      column(inp.x, geom, o, j, col);
      logSoftmax(col, st.m[p], st.s[p], logProbs, lp);
      let a = 0,
        amag = 0;
      for (let c = 0; c < C; c++) {
        const yv = inp.y[indexOf(geom, o, c, j)];
        const yc = eps > 0 ? yv * (1 - eps) + eps / C : yv;
        const wc = w ? w[c] : 1;
        a += lp[c] * yc * wc;
        amag +=
          Math.abs(yc * wc) * (Math.abs(col[c]) + (logProbs ? 0 : Math.abs(st.m[p]) + Math.abs(Math.log(st.s[p]))) + 1);
      }
      total += a;
      mag += amag;
      out[p] = -a;
      outTol[p] = REL * amag;
    }
  }
  return { sums: [total, 0], tol: [REL * mag + P * U * mag, 0], out, outTol };
}

interface RefGrad {
  /** Gradients in x's layout (columns outside the span: NaN, not compared). */
  gx: Float64Array;
  gy: Float64Array | null;
  /** Absolute tolerance per element (float64). */
  tol: Float64Array;
}

/** The upstream gradient of position p: g[p] or the scalar gs. */
const upstreamAt = (g: Floats | null, gs: number, p: number) => (g ? g[p] : gs);

/**
 * ∂loss/∂x for class indices: G·[(1 − ε)·w_t·(q_c − [c = t]) + (ε/C)·(W·q_c − w_c)] with q the softmax (0 for
 * log-probability input, where lp = x), 0·q for ignored positions (NaN in a NaN row, as PyTorch's 0 − q·0).
 */
function refIndexGrad(
  inp: Inputs,
  geom: Geometry,
  st: RefStats,
  w: Floats | null,
  eps: number,
  logProbs: boolean,
  g: Floats | null,
  gs: number,
  fused: boolean,
): RefGrad {
  const C = geom.C,
    e = eps > 0 ? eps : 0;
  // float32 rows without smoothing or log-probabilities take e^(x − m) off the target in float32 lanes in
  // ce_index_fused_f32 (assembly/rows/ce_fused.ts): ≤ 1 ulp of float32 plus the folded rounding error (2^-25
  // relative), and +0 where e^(x − m) < 2^-126. (ce_index_grad computes them in float64.)
  const lanes32 = fused && !logProbs && e === 0;
  const n = geom.outer * C * geom.inner;
  const gx = new Float64Array(n).fill(NaN),
    tol = new Float64Array(n);
  let W = 0,
    Wabs = 0,
    wmax = 0;
  for (let c = 0; c < C; c++) {
    const wc = w ? w[c] : 1;
    W += wc;
    Wabs += Math.abs(wc);
    wmax = Math.max(wmax, Math.abs(wc));
  }
  for (let o = 0; o < geom.outer; o++) {
    for (let j = 0; j < geom.span; j++) {
      const p = o * geom.span + j;
      const ti = inp.t[p];
      const ignored = ti === inp.ignore;
      const G = ignored ? 0 : upstreamAt(g, gs, p);
      const wt = ignored ? 0 : w ? w[ti] : 1;
      const scale = Math.abs(G) * (wmax + Wabs) * (1 + Math.abs(st.m[p]));
      for (let c = 0; c < C; c++) {
        const i = indexOf(geom, o, c, j);
        const q = logProbs ? 0 : Math.exp(inp.x[i] - st.m[p]) / st.s[p];
        const wc = w ? w[c] : 1;
        const v = ignored ? 0 * q : G * ((1 - e) * wt * (q - (c === ti ? 1 : 0)) + (e / C) * (W * q - wc));
        gx[i] = v;
        tol[i] = REL * (Math.abs(v) + scale);
        if (lanes32 && c !== ti) tol[i] += Math.abs(v) * (2 ** -23 + 2 ** -25) + 2 ** -126 * scale;
      }
    }
  }
  return { gx, gy: null, tol };
}

/** ∂loss/∂x = G·(q_c·Σ_k w_k·y'_k − w_c·y'_c) and ∂loss/∂y = −G·(1 − ε)·w_c·lp_c for probabilities. */
function refProbGrad(
  inp: Inputs,
  geom: Geometry,
  st: RefStats,
  w: Floats | null,
  eps: number,
  logProbs: boolean,
  g: Floats | null,
  gs: number,
): RefGrad {
  const C = geom.C,
    e = eps > 0 ? eps : 0;
  const n = geom.outer * C * geom.inner;
  const gx = new Float64Array(n).fill(NaN),
    gy = new Float64Array(n).fill(NaN),
    tol = new Float64Array(n);
  const col = new Float64Array(C),
    lp = new Float64Array(C),
    yp = new Float64Array(C);
  for (let o = 0; o < geom.outer; o++) {
    for (let j = 0; j < geom.span; j++) {
      const p = o * geom.span + j;
      const G = upstreamAt(g, gs, p);
      column(inp.x, geom, o, j, col);
      logSoftmax(col, st.m[p], st.s[p], logProbs, lp);
      let Y = 0,
        Yabs = 0;
      for (let c = 0; c < C; c++) {
        const yv = inp.y[indexOf(geom, o, c, j)];
        yp[c] = e > 0 ? yv * (1 - e) + e / C : yv;
        Y += (w ? w[c] : 1) * yp[c];
        Yabs += Math.abs((w ? w[c] : 1) * yp[c]);
      }
      const lsAbs = logProbs ? 0 : Math.abs(st.m[p]) + Math.abs(Math.log(st.s[p]));
      for (let c = 0; c < C; c++) {
        const i = indexOf(geom, o, c, j);
        const q = logProbs ? 0 : Math.exp(col[c] - st.m[p]) / st.s[p];
        const wc = w ? w[c] : 1;
        gx[i] = G * (q * Y - wc * yp[c]);
        gy[i] = -G * (1 - e) * wc * lp[c];
        // Both gradients share one tolerance: the larger scale of the two.
        tol[i] =
          REL *
          (Math.abs(gx[i]) + Math.abs(gy[i]) + Math.abs(G) * (Yabs + Math.abs(wc) * (Math.abs(col[c]) + lsAbs + 1)));
      }
    }
  }
  return { gx, gy, tol };
}

// ---------------------------------------------------------------------------------------------------------------
// Running the kernels

/** softmax_stats (float32 lanes for float32) or softmax_stats_wide (float64-accurate, what gradients take). */
type StatsKernel = 'softmax_stats' | 'softmax_stats_wide';

function runStats(
  b: RawBuild,
  dtype: DType,
  x: Floats,
  geom: Geometry,
  misalign = 0,
  kernel: StatsKernel = 'softmax_stats',
): Float64Array {
  const P = positionsOf(geom);
  b.reset();
  const px = b.put(x, misalign);
  const ps = b.reserve(Float64Array, 2 * P, misalign ? 8 : 0);
  b.poison(ps, 16 * P);
  b.k[`${kernel}_${dtype}`](px, geom.outer, geom.C, geom.inner, geom.span, ps);
  if (!b.guardsIntact(ps, 16 * P)) expect.fail(`${kernel}_${dtype} ${label(geom)}: wrote outside its 2·P results`);
  return b.read(Float64Array, ps, 2 * P);
}

interface LossRun {
  sums: [number, number];
  out: Floats | null;
}

/** ce_index_loss or ce_prob_loss (`y` given); stats null: log-probability input (stats pointer 0). */
function runLoss(
  b: RawBuild,
  dtype: DType,
  inp: Inputs,
  geom: Geometry,
  stats: Float64Array | null,
  w: Floats | null,
  eps: number,
  write: boolean,
  prob: boolean,
  misalign = 0,
): LossRun {
  const ctor = CTOR[dtype];
  const P = positionsOf(geom);
  b.reset();
  const px = b.put(inp.x, misalign),
    pw = w ? b.put(w, misalign) : 0;
  const pt = prob ? b.put(inp.y, misalign) : b.put(inp.t, misalign ? 4 : 0);
  const ps = stats ? b.put(stats, misalign ? 8 : 0) : 0;
  const out = b.reserve(ctor, P, misalign);
  const res = b.reserve(Float64Array, 2);
  b.poison(out, P * ctor.BYTES_PER_ELEMENT);
  const flags = write ? ((b.raw.CE_WRITE_OUT as WebAssembly.Global).value as number) : 0;
  if (prob)
    b.k[`ce_prob_loss_${dtype}`](px, pt, pw, ps, geom.outer, geom.C, geom.inner, geom.span, eps, flags, out, res);
  else
    b.k[`ce_index_loss_${dtype}`](
      px,
      pt,
      pw,
      ps,
      geom.outer,
      geom.C,
      geom.inner,
      geom.span,
      inp.ignore,
      eps,
      flags,
      out,
      res,
    );
  const what = `${prob ? 'ce_prob_loss' : 'ce_index_loss'}_${dtype} ${label(geom)}`;
  if (!b.guardsIntact(out, P * ctor.BYTES_PER_ELEMENT)) expect.fail(`${what}: wrote outside out`);
  const outBytes = b.read(Uint8Array, out, P * ctor.BYTES_PER_ELEMENT);
  if (!write && outBytes.some((v) => v !== 0xa5)) expect.fail(`${what}: wrote out without CE_WRITE_OUT`);
  const sums = b.read(Float64Array, res, 2);
  return { sums: [sums[0], sums[1]], out: write ? new ctor(outBytes.buffer) : null };
}

interface GradRun {
  gx: Floats | null;
  gy: Floats | null;
}

/** ce_index_grad or ce_prob_grad; outputs poisoned first, so unwritten columns keep the 0xa5 bytes. */
function runGrad(
  b: RawBuild,
  dtype: DType,
  inp: Inputs,
  geom: Geometry,
  stats: Float64Array | null,
  w: Floats | null,
  eps: number,
  g: Floats | null,
  gs: number,
  prob: boolean,
  want: { x: boolean; y: boolean },
  misalign = 0,
): GradRun {
  const ctor = CTOR[dtype];
  const n = geom.outer * geom.C * geom.inner,
    bytes = n * ctor.BYTES_PER_ELEMENT;
  b.reset();
  const px = b.put(inp.x, misalign),
    pw = w ? b.put(w, misalign) : 0;
  const pt = prob ? b.put(inp.y, misalign) : b.put(inp.t, misalign ? 4 : 0);
  const ps = stats ? b.put(stats, misalign ? 8 : 0) : 0;
  const pg = g ? b.put(g, misalign) : 0;
  const gx = b.reserveBytes(bytes, misalign),
    gy = b.reserveBytes(bytes, misalign);
  b.poison(gx, bytes);
  b.poison(gy, bytes);
  const ggx = want.x ? gx : 0,
    ggy = want.y ? gy : 0;
  if (prob)
    b.k[`ce_prob_grad_${dtype}`](px, pt, pw, ps, geom.outer, geom.C, geom.inner, geom.span, eps, pg, gs, ggx, ggy);
  else
    b.k[`ce_index_grad_${dtype}`](
      px,
      pt,
      pw,
      ps,
      geom.outer,
      geom.C,
      geom.inner,
      geom.span,
      inp.ignore,
      eps,
      pg,
      gs,
      ggx,
    );
  const what = `${prob ? 'ce_prob_grad' : 'ce_index_grad'}_${dtype} ${label(geom)}`;
  const result: GradRun = { gx: null, gy: null };
  for (const [on, ptr, key] of [
    [want.x, gx, 'gx'],
    [want.y, gy, 'gy'],
  ] as const) {
    if (!b.guardsIntact(ptr, bytes)) expect.fail(`${what}: wrote outside ${key}`);
    const got = b.read(Uint8Array, ptr, bytes);
    // Elements outside the span (and a whole output that is off) keep their poison.
    if (!on) {
      if (!Buffer.from(got.buffer).equals(poisonOf(bytes))) expect.fail(`${what}: wrote ${key}, which was off`);
    } else if (geom.span < geom.inner) {
      const words = new Uint32Array(got.buffer),
        per = ctor.BYTES_PER_ELEMENT / 4;
      for (let o = 0; o < geom.outer; o++) {
        for (let c = 0; c < geom.C; c++) {
          for (let j = geom.span; j < geom.inner; j++) {
            for (let k = 0; k < per; k++) {
              if (words[indexOf(geom, o, c, j) * per + k] !== 0xa5a5a5a5)
                expect.fail(`${what}: wrote ${key}[${o}, ${c}, ${j}] outside the span`);
            }
          }
        }
      }
    }
    if (on) result[key] = new ctor(got.buffer);
  }
  return result;
}

const poisons = new Map<number, Buffer>();
function poisonOf(bytes: number): Buffer {
  let p = poisons.get(bytes);
  if (!p) {
    p = Buffer.alloc(bytes, 0xa5);
    poisons.set(bytes, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparisons

const bits = new Float64Array(1),
  high = new Uint32Array(bits.buffer);

/** Half the spacing of float32s in the binade of |v| (2^-150 in the subnormal range); fast, for big loops. */
function halfUlp32(v: number): number {
  bits[0] = v;
  const e = ((high[1] >>> 20) & 0x7ff) - 1023;
  bits[0] = 0;
  high[1] = (Math.max(e, -126) - 24 + 1023) << 20;
  return bits[0];
}

/** |got − want| ≤ tol (float64) or ≤ ½ ulp32 + tol (float32: the reference rounded once); NaN and ±Inf exactly. */
function near(got: number, want: number, tol: number, dtype: DType): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got);
  if (!Number.isFinite(want) || !Number.isFinite(got)) return got === (dtype === 'f32' ? Math.fround(want) : want);
  const allowed = dtype === 'f32' ? halfUlp32(want) + tol : tol;
  return Math.abs(got - want) <= allowed;
}

function checkLoss(got: LossRun, want: RefLoss, dtype: DType, geom: Geometry, what: string, prob: boolean): void {
  // ce_prob_loss writes res[0] only.
  for (const k of prob ? [0] : [0, 1]) {
    if (!near(got.sums[k], want.sums[k], want.tol[k], 'f64')) {
      expect.fail(`${what}: res[${k}] ${got.sums[k]}, reference ${want.sums[k]} (tolerance ${want.tol[k]})`);
    }
  }
  if (!got.out) return;
  for (let p = 0; p < positionsOf(geom); p++) {
    if (!near(got.out[p], want.out[p], want.outTol[p], dtype)) {
      expect.fail(
        `${what}: out[${p}] ${show(got.out[p])}, reference ${show(want.out[p])} (tolerance ${want.outTol[p]})`,
      );
    }
  }
}

function checkGrad(
  got: Floats,
  want: Float64Array,
  tol: Float64Array,
  dtype: DType,
  geom: Geometry,
  what: string,
): void {
  for (let o = 0; o < geom.outer; o++) {
    for (let c = 0; c < geom.C; c++) {
      for (let j = 0; j < geom.span; j++) {
        const i = indexOf(geom, o, c, j);
        if (!near(got[i], want[i], tol[i], dtype)) {
          expect.fail(`${what}: [${o}, ${c}, ${j}] ${show(got[i])}, reference ${show(want[i])} (tolerance ${tol[i]})`);
        }
      }
    }
  }
}

/** The same bits in both builds (NaN matching any NaN). */
function checkSameBits(a: Floats | null, b: Floats | null, what: string): void {
  if (a === null || b === null) {
    expect(a === null && b === null, what).toBe(true);
    return;
  }
  const i = firstBitDifference(a, b);
  if (i >= 0) expect.fail(`${what}: the builds differ at [${i}]: ${show(a[i])} (SIMD) and ${show(b[i])} (scalar)`);
}

// ---------------------------------------------------------------------------------------------------------------
// The tests

const [simd, scalar] = BUILDS.map((name) => new RawBuild(name));
const builds = [simd, scalar];

/** The geometries of one test, with the per-dtype seed. */
const GEOMETRIES = { 'rows (inner = 1)': ROWS, 'class slabs (inner > 1, span ≤ inner)': SLABS };

/** Configurations of a loss or gradient call: weights, ε and softmax or log-probability input. */
const CONFIGS = [false, true].flatMap((weighted) =>
  [0, 0.1].flatMap((eps) => [false, true].map((logProbs) => ({ weighted, eps, logProbs }))),
);
const configLabel = (c: { weighted: boolean; eps: number; logProbs: boolean }) =>
  `${c.weighted ? 'w' : 'no w'}, eps ${c.eps}, ${c.logProbs ? 'log-probs' : 'softmax'}`;

// ---------------------------------------------------------------------------------------------------------------
// Rows around the one-pass domain of the float32 row kernels: rows whose logits all lie in [ln 2^-126, 88] take
// e^x itself in one pass (stats.ts's rowSumExpRaw, ce_fused.ts's expStoreRaw), the others rowMax and e^(x − m).

const XMIN_M = Math.fround(-87.33654);
const below = (v: number) => v - Math.abs(v) * 2 ** -23;
/** One row each: both edges inside, just outside each, far outside each, a wide range, a dominant max (row 6), +Inf, NaN, all equal. */
const EDGE_ROWS: Array<(row: Float32Array) => void> = [
  (row) => {
    row[row.length - 1] = 88;
    row[0] = XMIN_M;
  }, // both edges inside
  (row) => {
    row[1] = below(XMIN_M);
  }, // one logit just under the bottom edge
  (row) => {
    row[2] = 88.00001;
  }, // the max just over the top edge
  (row) => {
    row[5] = -95;
  }, // where 2^round(x·log2 e) is no longer a normal float32
  (row) => {
    row[6] = 95;
    row[7] = 94;
  }, // where it overflows
  (row) => {
    for (let c = 0; c < row.length; c++) row[c] = c % 2 ? 80 - c / 64 : -80 + c / 64;
  }, // wide range
  (row) => {
    row.fill(-60);
    row[row.length >> 1] = -20;
  }, // dominant max, large negative logits
  (row) => {
    row[3] = Infinity;
  },
  (row) => {
    row[row.length - 2] = NaN;
  },
  (row) => {
    row.fill(5);
  }, // every class the max
];

/** float32 inputs of EDGE_ROWS.length rows of C classes shaped by EDGE_ROWS (row 6's target is its max). */
function edgeRows(C: number, seed: number): { inp: Inputs; geom: Geometry } {
  const geom = { outer: EDGE_ROWS.length, C, inner: 1, span: 1 };
  const inp = inputs(geom, 'f32', seed);
  const x = inp.x as Float32Array;
  for (const [r, shape] of EDGE_ROWS.entries()) shape(x.subarray(r * C, (r + 1) * C));
  inp.t[6] = C >> 1;
  return { inp, geom };
}

for (const kernel of ['softmax_stats', 'softmax_stats_wide'] as const) {
  describe(kernel, () => {
    for (const dtype of DTYPES) {
      for (const [name, geometries] of Object.entries(GEOMETRIES)) {
        it(`${dtype}, ${name}: m exactly the max, s within its bound, in both builds`, () => {
          let seed = 1;
          for (const geom of geometries) {
            const inp = inputs(geom, dtype, seed++);
            const ref = refStats(inp.x, geom, kernel === 'softmax_stats_wide');
            const P = positionsOf(geom);
            for (const b of builds) {
              for (const misalign of geom.C <= 17 ? [0, 4] : [0]) {
                const st = runStats(b, dtype, inp.x, geom, misalign, kernel);
                for (let p = 0; p < P; p++) {
                  const what = `${kernel}_${dtype} ${label(geom)} position ${p} (${b.name}, misalign ${misalign})`;
                  if (!(st[p] === ref.m[p] || (Number.isNaN(st[p]) && Number.isNaN(ref.m[p])))) {
                    expect.fail(`${what}: m ${st[p]}, max ${ref.m[p]}`);
                  }
                  if (!near(st[P + p], ref.s[p], ref.bound[p], 'f64')) {
                    expect.fail(`${what}: s ${st[P + p]}, reference ${ref.s[p]}, bound ${ref.bound[p]}`);
                  }
                }
              }
            }
          }
        });
      }

      // Float32 rows of at least 512 classes (stats.ts's RAW_MIN_C), around the threshold, on both sides of each edge.
      if (dtype === 'f32') {
        it('f32: rows at the edges of the one-pass domain: m exactly the max, s within its bound, in both builds', () => {
          let seed = 7600;
          for (const C of [511, 512, 513, 515, 1000]) {
            const { inp, geom } = edgeRows(C, seed++);
            const ref = refStats(inp.x, geom, kernel === 'softmax_stats_wide');
            for (const b of builds) {
              const st = runStats(b, dtype, inp.x, geom, 0, kernel);
              for (let p = 0; p < geom.outer; p++) {
                const what = `${kernel}_f32 C = ${C} row ${p} (${b.name})`;
                if (!(st[p] === ref.m[p] || (Number.isNaN(st[p]) && Number.isNaN(ref.m[p]))))
                  expect.fail(`${what}: m ${st[p]}, max ${ref.m[p]}`);
                if (!near(st[geom.outer + p], ref.s[p], ref.bound[p], 'f64'))
                  expect.fail(`${what}: s ${st[geom.outer + p]}, reference ${ref.s[p]}, bound ${ref.bound[p]}`);
              }
            }
          }
        });
      }

      it(`${dtype}: NaN, +Inf, all −Inf and −Inf-in-a-finite-row at every position of rows and slabs`, () => {
        const cases: Array<[string, number[]]> = [
          ['NaN', [NaN]],
          ['+Inf', [Infinity]],
          ['−Inf in a finite row', [-Infinity]],
          ['NaN and +Inf', [NaN, Infinity]],
        ];
        for (const geom of [
          { outer: 4, C: 10, inner: 1, span: 1 },
          { outer: 3, C: 301, inner: 1, span: 1 },
          { outer: 3, C: 601, inner: 1, span: 1 },
          { outer: 2, C: 6, inner: 1, span: 1 },
          { outer: 3, C: 3, inner: 1, span: 1 },
          { outer: 2, C: 5, inner: 9, span: 9 },
          { outer: 2, C: 4, inner: 7, span: 5 },
        ]) {
          const P = positionsOf(geom);
          for (const [kind, values] of cases) {
            // The main loop, the last full vector, the overlapping last vector and the tail of a row.
            for (const c of [
              ...new Set([0, 5, geom.C - 6, geom.C - 4, geom.C - 2, geom.C - 1, Math.floor(geom.C / 2)]),
            ].filter((k) => k >= 0 && k < geom.C)) {
              for (let p = 0; p < P; p += Math.max(1, Math.floor(P / 3))) {
                const inp = inputs(geom, dtype, 5);
                const o = Math.floor(p / geom.span),
                  j = p % geom.span;
                values.forEach((v, k) => {
                  inp.x[indexOf(geom, o, (c + k) % geom.C, j)] = v;
                });
                const ref = refStats(inp.x, geom, kernel === 'softmax_stats_wide');
                for (const b of builds) {
                  const st = runStats(b, dtype, inp.x, geom, 0, kernel);
                  for (let q = 0; q < P; q++) {
                    const what = `${label(geom)} ${kind} at class ${c} of position ${p}, position ${q} (${b.name})`;
                    if (!near(st[q], ref.m[q], 0, 'f64')) expect.fail(`${what}: m ${st[q]}, expected ${ref.m[q]}`);
                    if (!near(st[P + q], ref.s[q], ref.bound[q], 'f64'))
                      expect.fail(`${what}: s ${st[P + q]}, expected ${ref.s[q]}`);
                  }
                }
              }
            }
          }
          // A whole position of −Inf: m = −Inf, s = NaN.
          const inp = inputs(geom, dtype, 6);
          for (let c = 0; c < geom.C; c++) inp.x[indexOf(geom, 0, c, 0)] = -Infinity;
          for (const b of builds) {
            const st = runStats(b, dtype, inp.x, geom, 0, kernel);
            expect(st[0], `${label(geom)} all −Inf (${b.name})`).toBe(-Infinity);
            expect(st[P], `${label(geom)} all −Inf (${b.name})`).toBeNaN();
            expect(Number.isFinite(st[P + 1]), `${label(geom)} next position (${b.name})`).toBe(true);
          }
        }
      });

      it(`${dtype}: empty rows (C = 0) give m = −Inf and s = NaN`, () => {
        for (const geom of [
          { outer: 3, C: 0, inner: 1, span: 1 },
          { outer: 2, C: 0, inner: 6, span: 5 },
        ]) {
          for (const b of builds) {
            const st = runStats(b, dtype, new CTOR[dtype](0), geom, 0, kernel);
            const P = positionsOf(geom);
            expect([...st.subarray(0, P)], `${label(geom)} (${b.name})`).toEqual(new Array(P).fill(-Infinity));
            expect(st.subarray(P).every(Number.isNaN), `${label(geom)} (${b.name})`).toBe(true);
          }
        }
      });
    }
  });
}

describe('ce_targets', () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: −1 and Σ w_t (or the count) over the kept positions, at every length, ignore_index in and out of range`, () => {
      for (const P of LENGTHS) {
        for (const C of [1, 3, 1000]) {
          for (const ignore of [-100, 0, C - 1, 2147483647]) {
            const r = rng(P + C);
            const inp = {
              t: Int32Array.from({ length: P }, () => (r() < 0.2 ? ignore : Math.floor(r() * C))),
              w: CTOR[dtype].from({ length: C }, () => 0.25 + 2 * r()),
            };
            for (const weighted of [false, true]) {
              for (const b of builds) {
                b.reset();
                const pt = b.put(inp.t),
                  pw = weighted ? b.put(inp.w) : 0,
                  res = b.reserve(Float64Array, 1);
                const got = b.k[`ce_targets_${dtype}`](pt, pw, P, C, ignore, res);
                const what = `P = ${P}, C = ${C}, ignore ${ignore}, ${weighted ? 'weighted' : 'count'} (${b.name})`;
                expect(got, what).toBe(-1);
                let want = 0,
                  abs = 0;
                for (const ti of inp.t) {
                  if (ti === ignore) continue;
                  want += weighted ? inp.w[ti] : 1;
                  abs += weighted ? Math.abs(inp.w[ti]) : 1;
                }
                const sum = b.read(Float64Array, res, 1)[0];
                if (!(Math.abs(sum - want) <= P * U * abs)) expect.fail(`${what}: Σ w_t ${sum}, reference ${want}`);
              }
            }
          }
        }
      }
    });

    it(`${dtype}: the first position whose target is neither in [0, C) nor ignore_index`, () => {
      for (const P of LENGTHS.filter((n) => n > 0)) {
        const C = 5;
        for (const at of [...new Set([0, Math.floor(P / 2), P - 1])]) {
          for (const bad of [C, -1, -2147483648, 2147483647, 1000]) {
            const t = Int32Array.from({ length: P }, (_, i) => i % C);
            t[at] = bad;
            if (at + 1 < P) t[at + 1] = -7; // a later bad one must not win
            for (const b of builds) {
              b.reset();
              const pt = b.put(t),
                res = b.reserve(Float64Array, 1);
              const got = b.k[`ce_targets_${dtype}`](pt, 0, P, C, -100, res);
              if (got !== at) expect.fail(`P = ${P}, ${bad} at ${at} (${b.name}): got ${got}`);
              // The same value as ignore_index is skipped.
              expect(b.k[`ce_targets_${dtype}`](pt, 0, at + 1, C, bad, res), `${bad} ignored (${b.name})`).toBe(-1);
            }
          }
        }
      }
    });
  }
});

for (const prob of [false, true]) {
  const kernel = prob ? 'ce_prob_loss' : 'ce_index_loss';
  describe(kernel, () => {
    for (const dtype of DTYPES) {
      for (const [name, geometries] of Object.entries(GEOMETRIES)) {
        it(`${dtype}, ${name}: sums and per-position losses, every flag, ε, weight and input kind; builds agree`, () => {
          let seed = prob ? 1000 : 1;
          for (const geom of geometries) {
            if (geom.C === 0) continue;
            const inp = inputs(geom, dtype, seed++);
            // The kernels' own statistics, shared by both builds so that their outputs can be compared bit for bit,
            // and the reference's (the loss kernels are functions of the statistics they are given).
            const stats = runStats(simd, dtype, inp.x, geom);
            const ref = givenStats(stats, geom);
            for (const cfg of CONFIGS) {
              const w = cfg.weighted ? inp.w : null;
              const want = (prob ? refProbLoss : refIndexLoss)(inp, geom, ref, w, cfg.eps, cfg.logProbs);
              for (const write of [true, false]) {
                const what = `${kernel}_${dtype} ${label(geom)} ${configLabel(cfg)}${write ? ', CE_WRITE_OUT' : ''}`;
                const runs = builds.map((b) =>
                  runLoss(b, dtype, inp, geom, cfg.logProbs ? null : stats, w, cfg.eps, write, prob, write ? 0 : 3),
                );
                runs.forEach((r, k) => {
                  checkLoss(r, want, dtype, geom, `${what} (${builds[k].name})`, prob);
                });
                checkSameBits(runs[0].out, runs[1].out, what);
              }
            }
          }
        });
      }

      it(`${dtype}: NaN and ±Inf rows give NaN (or +Inf) where the definition does; ignored rows stay 0`, () => {
        for (const geom of [
          { outer: 6, C: 6, inner: 1, span: 1 },
          { outer: 5, C: 301, inner: 1, span: 1 },
          { outer: 2, C: 5, inner: 9, span: 7 },
        ]) {
          const inp = inputs(geom, dtype, 77);
          const P = positionsOf(geom);
          for (const p of [0, 1, 3]) inp.t[p] = 1;
          // Position 0: a NaN; 1: +Inf; 2: −Inf at the target (index) / at class 0; 3: a whole row of −Inf; 4: ignored + NaN.
          const put = (p: number, c: number, v: number) => {
            inp.x[indexOf(geom, Math.floor(p / geom.span), c, p % geom.span)] = v;
          };
          put(0, 2, NaN);
          put(1, 0, Infinity);
          inp.t[2] = 3;
          put(2, 3, -Infinity);
          put(2, 0, -Infinity);
          for (let c = 0; c < geom.C; c++) put(3, c, -Infinity);
          inp.t[4] = inp.ignore;
          put(4, 1, NaN);
          const stats = runStats(simd, dtype, inp.x, geom);
          // The loss and gradient kernels are functions of the statistics they are given: the reference uses them too
          // (softmax_stats is held to its own bound above).
          const ref = givenStats(stats, geom);
          for (const cfg of CONFIGS.filter((c) => !c.logProbs)) {
            const w = cfg.weighted ? inp.w : null;
            const want = (prob ? refProbLoss : refIndexLoss)(inp, geom, ref, w, cfg.eps, false);
            const what = `${kernel}_${dtype} ${label(geom)} ${configLabel(cfg)}`;
            expect(Number.isNaN(want.out[0]) && Number.isNaN(want.out[1]) && Number.isNaN(want.out[3]), what).toBe(
              true,
            );
            if (!prob) {
              expect(want.out[2], what).toBe(Infinity);
              expect(want.out[4], what).toBe(0);
            }
            const runs = builds.map((b) => runLoss(b, dtype, inp, geom, stats, w, cfg.eps, true, prob));
            runs.forEach((r, k) => {
              checkLoss(r, want, dtype, geom, `${what} (${builds[k].name})`, prob);
            });
            checkSameBits(runs[0].out, runs[1].out, what);
            expect(P).toBeGreaterThan(4);
          }
        }
      });

      if (!prob) {
        it(`${dtype}: a NaN in an ignored row changes nothing (sums, per-position losses; the one-log-per-64-rows sum too)`, () => {
          for (const geom of [
            { outer: 200, C: 7, inner: 1, span: 1 },
            { outer: 3, C: 300, inner: 1, span: 1 },
            { outer: 2, C: 4, inner: 9, span: 6 },
          ]) {
            const inp = inputs(geom, dtype, 99);
            inp.t[1] = inp.ignore;
            const ignored = 1;
            const dirty = { ...inp, x: inp.x.slice() };
            dirty.x[indexOf(geom, Math.floor(ignored / geom.span), geom.C - 1, ignored % geom.span)] = NaN;
            for (const b of builds) {
              const clean = runStats(b, dtype, inp.x, geom),
                nan = runStats(b, dtype, dirty.x, geom);
              for (const cfg of CONFIGS.filter((c) => !c.logProbs)) {
                for (const write of [false, true]) {
                  const w = cfg.weighted ? inp.w : null;
                  const want = runLoss(b, dtype, inp, geom, clean, w, cfg.eps, write, false);
                  const got = runLoss(b, dtype, dirty, geom, nan, w, cfg.eps, write, false);
                  const what = `${label(geom)} ${configLabel(cfg)}${write ? ', CE_WRITE_OUT' : ''} (${b.name})`;
                  expect(got.sums, what).toEqual(want.sums);
                  checkSameBits(got.out, want.out, what);
                }
              }
            }
          }
        });
      }
    }
  });
}

for (const prob of [false, true]) {
  const kernel = prob ? 'ce_prob_grad' : 'ce_index_grad';
  describe(kernel, () => {
    for (const dtype of DTYPES) {
      for (const [name, geometries] of Object.entries(GEOMETRIES)) {
        it(`${dtype}, ${name}: the analytic gradient, scalar and per-position upstream, every ε, weight and input kind; builds agree`, () => {
          let seed = prob ? 3000 : 2000;
          for (const geom of geometries) {
            if (geom.C === 0) continue;
            const inp = inputs(geom, dtype, seed++);
            const stats = runStats(simd, dtype, inp.x, geom);
            // The loss and gradient kernels are functions of the statistics they are given: the reference uses them too
            // (softmax_stats is held to its own bound above).
            const ref = givenStats(stats, geom);
            for (const cfg of CONFIGS) {
              const w = cfg.weighted ? inp.w : null;
              for (const g of [null, inp.g]) {
                const gs = g ? 0 : 0.3;
                const want = prob
                  ? refProbGrad(inp, geom, ref, w, cfg.eps, cfg.logProbs, g, gs)
                  : refIndexGrad(inp, geom, ref, w, cfg.eps, cfg.logProbs, g, gs, false);
                const wants = prob
                  ? [
                      { x: true, y: true },
                      { x: true, y: false },
                      { x: false, y: true },
                    ]
                  : [{ x: true, y: false }];
                for (const wanted of g ? wants.slice(0, 1) : wants) {
                  const what =
                    `${kernel}_${dtype} ${label(geom)} ${configLabel(cfg)}, ${g ? 'per-position g' : `gs ${gs}`}` +
                    `${prob ? `, gx ${wanted.x ? 'on' : 'off'}, gy ${wanted.y ? 'on' : 'off'}` : ''}`;
                  const runs = builds.map((b) =>
                    runGrad(
                      b,
                      dtype,
                      inp,
                      geom,
                      cfg.logProbs ? null : stats,
                      w,
                      cfg.eps,
                      g,
                      gs,
                      prob,
                      wanted,
                      g ? 3 : 0,
                    ),
                  );
                  runs.forEach((r, k) => {
                    if (r.gx) checkGrad(r.gx, want.gx, want.tol, dtype, geom, `${what} gx (${builds[k].name})`);
                    if (r.gy) checkGrad(r.gy, want.gy!, want.tol, dtype, geom, `${what} gy (${builds[k].name})`);
                  });
                  checkSameBits(runs[0].gx, runs[1].gx, `${what} gx`);
                  checkSameBits(runs[0].gy, runs[1].gy, `${what} gy`);
                }
              }
            }
          }
        });
      }

      it(`${dtype}: NaN rows give NaN gradients (ignored positions too, as PyTorch's 0 − q·0); −Inf logits give finite ones`, () => {
        const geom = { outer: 5, C: 7, inner: 1, span: 1 };
        const inp = inputs(geom, dtype, 88);
        inp.x[0 * 7 + 3] = NaN; // row 0
        inp.t[1] = inp.ignore;
        inp.x[1 * 7 + 2] = NaN; // row 1, ignored
        inp.t[2] = 4;
        inp.x[2 * 7 + 4] = -Infinity; // row 2: −Inf at the target
        inp.x[2 * 7 + 0] = -Infinity;
        const stats = runStats(simd, dtype, inp.x, geom);
        // The loss and gradient kernels are functions of the statistics they are given: the reference uses them too
        // (softmax_stats is held to its own bound above).
        const ref = givenStats(stats, geom);
        for (const cfg of CONFIGS.filter((c) => !c.logProbs)) {
          const w = cfg.weighted ? inp.w : null;
          const want = prob
            ? refProbGrad(inp, geom, ref, w, cfg.eps, false, null, 0.5)
            : refIndexGrad(inp, geom, ref, w, cfg.eps, false, null, 0.5, false);
          const what = `${kernel}_${dtype} ${configLabel(cfg)}`;
          expect(want.gx.subarray(0, 14).every(Number.isNaN), what).toBe(true);
          expect(want.gx.subarray(14, 21).every(Number.isFinite), what).toBe(true);
          const runs = builds.map((b) =>
            runGrad(b, dtype, inp, geom, stats, w, cfg.eps, null, 0.5, prob, { x: true, y: prob }),
          );
          runs.forEach((r, k) => {
            checkGrad(r.gx!, want.gx, want.tol, dtype, geom, `${what} (${builds[k].name})`);
          });
          checkSameBits(runs[0].gx, runs[1].gx, what);
        }
      });
    }
  });
}

describe('signed zeros the headers state', () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: C = 1 gives a −0 loss (with and without smoothing, index and probability targets)`, () => {
      const geom = { outer: 3, C: 1, inner: 1, span: 1 };
      const inp = { ...inputs(geom, dtype, 1), t: Int32Array.from([0, 0, 0]), y: CTOR[dtype].from([1, 1, 1]) };
      for (const b of builds) {
        const stats = runStats(b, dtype, inp.x, geom);
        for (const eps of [0, 0.1]) {
          for (const prob of [false, true]) {
            const out = runLoss(b, dtype, inp, geom, stats, null, eps, true, prob).out!;
            expect(
              [...out].map((v) => Object.is(v, -0)),
              `eps ${eps} ${prob ? 'prob' : 'index'} (${b.name})`,
            ).toEqual([true, true, true]);
          }
        }
      }
    });

    it(`${dtype}: NLL (stats = 0) gradients are +0 off the target without smoothing, and where w_c = 0 with it`, () => {
      const geom = { outer: 2, C: 5, inner: 1, span: 1 };
      const inp = { ...inputs(geom, dtype, 2), t: Int32Array.from([2, 4]) };
      for (const b of builds) {
        for (const eps of [0, 0.2]) {
          const gx = runGrad(b, dtype, inp, geom, null, inp.w, eps, null, 1, false, { x: true, y: false }).gx!;
          for (let i = 0; i < gx.length; i++) {
            const c = i % 5,
              target = inp.t[Math.floor(i / 5)];
            if (c === target || (eps > 0 && inp.w[c] !== 0)) continue;
            expect(Object.is(gx[i], 0), `eps ${eps}, element ${i} = ${show(gx[i])} (${b.name})`).toBe(true);
          }
        }
      }
    });

    it(`${dtype}: ignored positions have +0 losses and +0 softmax gradients`, () => {
      const geom = { outer: 4, C: 6, inner: 1, span: 1 };
      const inp = { ...inputs(geom, dtype, 3), t: Int32Array.from([-100, 1, -100, -100]) };
      for (const b of builds) {
        const stats = runStats(b, dtype, inp.x, geom);
        const out = runLoss(b, dtype, inp, geom, stats, inp.w, 0.1, true, false).out!;
        expect(
          [0, 2, 3].map((p) => Object.is(out[p], 0)),
          b.name,
        ).toEqual([true, true, true]);
        const gx = runGrad(b, dtype, inp, geom, stats, inp.w, 0.1, null, 1, false, { x: true, y: false }).gx!;
        for (const p of [0, 2, 3]) {
          for (let c = 0; c < 6; c++)
            expect(Object.is(gx[p * 6 + c], 0), `[${p}, ${c}] = ${show(gx[p * 6 + c])} (${b.name})`).toBe(true);
        }
      }
    });
  }
});

describe('ce_index_fused_f32, ce_index_fused_cols_f32', () => {
  /**
   * The fused kernel of the geometry (rows for inner = 1, else columns); gx poisoned first: every element of the
   * span must be written, the others keep their poison.
   */
  function runFused(b: RawBuild, inp: Inputs, geom: Geometry, w: Floats | null, g: Floats | null, gs: number) {
    const n = geom.outer * geom.C * geom.inner,
      bytes = 4 * n;
    b.reset();
    const px = b.put(inp.x, g ? 1 : 0),
      pt = b.put(inp.t),
      pw = w ? b.put(w) : 0,
      pg = g ? b.put(g, 3) : 0;
    const gx = b.reserveBytes(bytes, g ? 2 : 0);
    const res = b.reserve(Float64Array, 2);
    b.poison(gx, bytes);
    const rows = geom.inner === 1;
    const what = `${rows ? 'ce_index_fused_f32' : 'ce_index_fused_cols_f32'} ${label(geom)}`;
    if (rows) b.k.ce_index_fused_f32(px, pt, pw, geom.outer, geom.C, inp.ignore, pg, gs, gx, res);
    else
      b.k.ce_index_fused_cols_f32(px, pt, pw, geom.outer, geom.C, geom.inner, geom.span, inp.ignore, pg, gs, gx, res);
    if (!b.guardsIntact(gx, bytes)) expect.fail(`${what}: wrote outside gx`);
    const words = new Uint32Array(b.read(Uint8Array, gx, bytes).buffer);
    for (let o = 0; o < geom.outer; o++)
      for (let c = 0; c < geom.C; c++)
        for (let j = geom.span; j < geom.inner; j++)
          if (words[indexOf(geom, o, c, j)] !== 0xa5a5a5a5)
            expect.fail(`${what}: wrote [${o}, ${c}, ${j}] outside the span`);
    return { what, gx: new Float32Array(words.buffer), sums: b.read(Float64Array, res, 2) };
  }

  // Against the float64 definitions with float64 statistics: the float32-lane tolerance of refIndexGrad (e_c ≤ 1 ulp
  // + 2^-25) plus s's own relative error (a weighted mean of its terms' errors, the same bound) on q_c·|G·w_t|, for
  // the target's element too; Σ nll within the reference's tolerance plus that error of each log s.
  /** The gradient and Σ nll of `inp` against the float64 definitions, with and without weights and per-position g. */
  function expectDefinitions(inp: Inputs, geom: Geometry): void {
    const ref = refStats(inp.x, geom, true);
    const dS = 2 ** -23 + 2 ** -25 + geom.C * U;
    for (const w of [null, inp.w]) {
      const wantLoss = refIndexLoss(inp, geom, ref, w, 0, false);
      let lossTol = wantLoss.tol[0];
      for (let p = 0; p < positionsOf(geom); p++)
        if (inp.t[p] !== inp.ignore) lossTol += Math.abs(w ? w[inp.t[p]] : 1) * 2 * dS;
      for (const g of [null, inp.g]) {
        const gs = g ? 0 : 0.3;
        const want = refIndexGrad(inp, geom, ref, w, 0, false, g, gs, true);
        for (let o = 0; o < geom.outer; o++) {
          for (let j = 0; j < geom.span; j++) {
            const p = o * geom.span + j;
            const ti = inp.t[p];
            if (ti === inp.ignore) continue;
            const Gw = Math.abs(upstreamAt(g, gs, p) * (w ? w[ti] : 1));
            for (let c = 0; c < geom.C; c++) {
              const i = indexOf(geom, o, c, j);
              want.tol[i] += Gw * (Math.exp(inp.x[i] - ref.m[p]) / ref.s[p]) * dS;
            }
          }
        }
        for (const b of builds) {
          const got = runFused(b, inp, geom, w, g, gs);
          const what = `${got.what} ${w ? 'w' : 'no w'}, ${g ? 'per-position g' : `gs ${gs}`} (${b.name})`;
          checkGrad(got.gx, want.gx, want.tol, 'f32', geom, what);
          if (!near(got.sums[0], wantLoss.sums[0], lossTol, 'f64'))
            expect.fail(`${what}: res[0] ${got.sums[0]}, reference ${wantLoss.sums[0]} (tolerance ${lossTol})`);
          expect(got.sums[1], what).toBe(0);
        }
      }
    }
  }

  it('rows and class slabs: the gradient and Σ nll against the float64 definitions; weights, ignore_index, scalar and per-position upstream; both builds', () => {
    let seed = 7000;
    for (const geom of [...ROWS, ...SLABS]) {
      if (geom.C === 0) continue;
      const inp = inputs(geom, 'f32', seed++);
      if (positionsOf(geom) >= 3) {
        inp.x[indexOf(geom, 0, geom.C - 1, 0)] = NaN; // position 0 NaN
        inp.x[indexOf(geom, geom.inner === 1 ? 1 : 0, 0, geom.inner === 1 ? 0 : 1)] = -Infinity; // position 1: −Inf
      }
      expectDefinitions(inp, geom);
    }
  });

  // Rows of at least 128 classes (ce_fused.ts's RAW_MIN_CLASSES), around the threshold, on both sides of each edge.
  it('rows at the edges of the one-pass domain: both paths against the float64 definitions', () => {
    let seed = 7500;
    for (const C of [127, 128, 129, 131, 1000]) {
      const { inp, geom } = edgeRows(C, seed++);
      expectDefinitions(inp, geom);
    }
  });

  it('ignored rows get +0 everywhere, the others finite values (C = 1000, weights)', () => {
    const geom = { outer: 6, C: 1000, inner: 1, span: 1 };
    const inp = { ...inputs(geom, 'f32', 71), t: Int32Array.from([-100, 3, 999, -100, 0, 500]) };
    for (const b of builds) {
      const got = runFused(b, inp, geom, inp.w, null, 0.25);
      for (const p of [0, 3])
        for (let c = 0; c < geom.C; c++)
          expect(Object.is(got.gx[p * geom.C + c], 0), `[${p}, ${c}] (${b.name})`).toBe(true);
      expect(got.gx.every(Number.isFinite), b.name).toBe(true);
    }
  });
});

describe('coverage', () => {
  it('called every row kernel export of the test builds', () => {
    expect(uncalled('rows')).toEqual([]);
  });
});
