// The computation TripletMarginLoss and TripletMarginWithDistanceLoss share: the distances d⁺ = d(anchor, positive),
// d⁻ = d(anchor, negative) and, with swap, d(positive, negative) (d⁻ becomes min(d⁻, d^s)), then per output row
// max(u, 0) with u = (margin + d⁺) − d⁻ (TripletMarginLoss's C++ order) or (d⁺ − d⁻) + margin (the Python
// TripletMarginWithDistanceLoss's), and the gradients autograd takes through clamp (u ≥ 0 passes), min (ties split
// the gradient in halves; a NaN gives both sides all of it) and the distances. Per-row steps are float64.
//
// Built-in p-norm distances run the pair kernels (assembly/rows/pairwise.ts): when every pair has the same
// broadcast shape (the common case) the three operands are staged once and the gradients of all pairs are summed
// in one pass; otherwise (a pair broadcast over a last dimension of 1 that another pair has longer) each pair runs
// on its own shape, in float64, and the gradients are summed in JS. Custom distances (JS functions or modules) are
// combined here from the Tensors they return.
import { rangeError } from '../errors.js';
import type { GradInto } from '../core/loss.js';
import { broadcastShapes, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { NormSpec, RowJob } from '../wasm/pairwise.js';
import { PAIR_AB, PAIR_AC, PAIR_BC, pairGrads } from '../wasm/pairwise.js';
import type { F64Alloc } from '../wasm/work.js';
import { fresh } from '../wasm/work.js';
import {
  at,
  indexMap,
  jointShape,
  normCoefficients,
  pairNorms,
  pairRows,
  pairTieCounts,
  promoteFloats,
  sumBack,
} from './distances.js';

/** Which formula: TripletMarginLoss's (margin + d⁺) − d⁻ or TripletMarginWithDistanceLoss's (d⁺ − d⁻) + margin. */
export type MarginOrder = 'margin-first' | 'margin-last';

/** Per-row distances and what the combination needs to differentiate them. */
export interface TripletRows {
  /** Distances per row of each one's own shape: positive, negative, swap (null without swap). */
  readonly dp: Float64Array;
  readonly dn: Float64Array;
  readonly ds: Float64Array | null;
  /** Maps from each output row to the distances' rows (null: the same shape). */
  readonly mp: Int32Array | null;
  readonly mn: Int32Array | null;
  readonly ms: Int32Array | null;
  /** The output's shape (the distances broadcast) and its per-row u and loss. */
  readonly outShape: readonly number[];
  readonly u: Float64Array;
  readonly loss: Float64Array;
}

/**
 * Combines the distances per output row (float64): u, then max(u, 0); u from `alloc` (default: a new array), the
 * losses always new when `ownLoss` (they become the data of a 'none' result).
 */
export function combine(
  fn: string,
  margin: number,
  order: MarginOrder,
  dp: Float64Array,
  dn: Float64Array,
  ds: Float64Array | null,
  shapes: readonly (readonly number[])[],
  alloc: F64Alloc = fresh,
  ownLoss = true,
): TripletRows {
  let joint: number[] | undefined = [...shapes[0]];
  for (const s of shapes.slice(1)) joint = joint && broadcastShapes(joint, s);
  if (!joint) {
    // Only custom distances can get here (built-in ones broadcast whenever the inputs do).
    throw rangeError(fn, 'the distances must broadcast together', shapes.map(shapeStr).join(' and '));
  }
  const outShape = joint;
  const mp = indexMap(shapes[0], outShape),
    mn = indexMap(shapes[1], outShape);
  const ms = ds ? indexMap(shapes[2], outShape) : null;
  const n = outShape.reduce((a, b) => a * b, 1);
  const u = alloc(n),
    loss = ownLoss ? fresh(n) : alloc(n);
  if (!mp && !mn && !ds) {
    // The common case (one shape, no swap), in two plain loops.
    if (order === 'margin-first') for (let i = 0; i < n; i++) u[i] = margin + dp[i] - dn[i];
    else for (let i = 0; i < n; i++) u[i] = dp[i] - dn[i] + margin;
    for (let i = 0; i < n; i++) loss[i] = u[i] < 0 ? 0 : u[i]; // clamp_min(u, 0): NaN stays NaN
    return { dp, dn, ds, mp, mn, ms, outShape, u, loss };
  }
  for (let i = 0; i < n; i++) {
    const p = at(dp, mp, i);
    let q = at(dn, mn, i);
    // torch.min (minimum): NaN on either side is NaN, as Math.min.
    if (ds) q = Math.min(q, at(ds, ms, i));
    const v = order === 'margin-first' ? margin + p - q : p - q + margin;
    u[i] = v;
    loss[i] = v < 0 ? 0 : v; // clamp_min(u, 0): NaN stays NaN
  }
  return { dp, dn, ds, mp, mn, ms, outShape, u, loss };
}

/**
 * The gradients of Σ g·loss with respect to the distances (per distance row, summed over broadcast output rows as
 * PyTorch's sum_to_size does): clamp_min's mask u ≥ 0, then min's split (PyTorch 1.13's min.other backward:
 * where(a == b, g/2, g) masked to 0 on the larger side). In arrays from `alloc` (default: new ones).
 */
export function distanceGrads(
  t: TripletRows,
  g: Float64Array,
  alloc: F64Alloc = fresh,
): { gp: Float64Array; gn: Float64Array; gs: Float64Array | null } {
  const n = t.u.length;
  const gp = alloc(n),
    gn = alloc(n),
    gs = t.ds ? alloc(n) : null;
  for (let i = 0; i < n; i++) {
    const gu = t.u[i] >= 0 ? g[i] : 0;
    gp[i] = gu;
    const m = -gu;
    if (!t.ds) {
      gn[i] = m;
      continue;
    }
    const a = at(t.dn, t.mn, i),
      b = at(t.ds, t.ms, i);
    const half = a === b ? m / 2 : m;
    gn[i] = a > b ? 0 : half;
    gs![i] = a < b ? 0 : half;
  }
  return {
    gp: sumBack(gp, t.mp, t.dp.length, alloc),
    gn: sumBack(gn, t.mn, t.dn.length, alloc),
    gs: gs && sumBack(gs, t.ms, t.ds!.length, alloc),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Built-in p-norm distances

/** A validated call with built-in distances: its pairs' jobs and norms. */
export interface NormTriplet {
  readonly dtype: FloatDType;
  readonly spec: NormSpec;
  readonly swap: boolean;
  readonly operands: readonly [Tensor, Tensor, Tensor];
  /** One job for all three operands (every pair has the same shape), or one per pair. */
  readonly fused: RowJob | null;
  readonly jobs: readonly RowJob[];
  readonly norms: readonly Float64Array[];
  readonly rows: TripletRows;
}

const NAMES = ['anchor', 'positive', 'negative'];

/**
 * The distances of a triplet under the built-in p-norm, combined (see the file header). With a pooled `alloc`
 * (src/wasm/work.ts) the result is valid only inside its scope, and its losses too unless `ownLoss`.
 */
export function normTriplet(
  fn: string,
  args: readonly Tensor[],
  spec: NormSpec,
  swap: boolean,
  margin: number,
  order: MarginOrder,
  alloc: F64Alloc = fresh,
  ownLoss = true,
): NormTriplet {
  const [a, p, n] = args;
  const dtype = promoteFloats(fn, NAMES, args);
  const pairs: [number, number][] = swap
    ? [
        [0, 1],
        [0, 2],
        [1, 2],
      ]
    : [
        [0, 1],
        [0, 2],
      ];
  const shapes = pairs.map(([i, j]) => jointShape(fn, [NAMES[i], NAMES[j]], [args[i], args[j]]));
  const all = jointShape(fn, NAMES, args);
  const operands: [Tensor, Tensor, Tensor] = [a, p, n];
  let fused: RowJob | null = null;
  let jobs: RowJob[];
  let norms: Float64Array[];
  const outs = shapes.map((s) => pairRows(s).out);
  if (shapes.every((s) => sameShape(s, all))) {
    fused = { fn, dtype, shape: pairRows(all).kernel, operands };
    jobs = [fused];
    norms = pairNorms(fused, pairs, spec, alloc);
  } else {
    // Pairs of different shapes: each on its own, in float64 (their gradients are summed in JS).
    jobs = pairs.map(([i, j], k) => ({
      fn,
      dtype: 'float64' as FloatDType,
      shape: pairRows(shapes[k]).kernel,
      operands: [args[i], args[j]],
    }));
    norms = jobs.map((job) => pairNorms(job, [[0, 1]], spec, alloc)[0]);
  }
  const rows = combine(fn, margin, order, norms[0], norms[1], swap ? norms[2] : null, outs, alloc, ownLoss);
  return { dtype, spec, swap, operands, fused, jobs, norms, rows };
}

/**
 * Gradients of the three operands for per-output-row upstream `g`; the per-row steps take their arrays from `alloc`
 * (default: new ones), the gradients are always new (or `into`).
 */
export function normTripletGrads(
  t: NormTriplet,
  g: Float64Array,
  into: GradInto,
  fn: string,
  alloc: F64Alloc = fresh,
): (Tensor | null)[] {
  const d = distanceGrads(t.rows, g, alloc);
  const perPair = [d.gp, d.gn, ...(d.gs ? [d.gs] : [])];
  const coefs = perPair.map((gk, k) => {
    const job = t.fused ?? t.jobs[k];
    const pair: [number, number] = t.fused
      ? (
          [
            [0, 1],
            [0, 2],
            [1, 2],
          ] as [number, number][]
        )[k]
      : [0, 1];
    return normCoefficients(t.spec, gk, t.norms[k], () => pairTieCounts(job, pair, t.spec, t.norms[k]), alloc);
  });
  if (t.fused) {
    const flat = coefs.flat();
    return pairGrads(
      { ...t.fused, fn },
      PAIR_AB | PAIR_AC | (t.swap ? PAIR_BC : 0),
      t.spec,
      flat,
      [true, true, true],
      into,
    );
  }
  // Each pair's gradients in float64, summed per operand, rounded once into the destination.
  const sums = t.operands.map((x) => new Float64Array(x.numel()));
  const pairs: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  const seen = [false, false, false];
  coefs.forEach(([c0, c1], k) => {
    const job = { ...t.jobs[k], fn, operands: t.jobs[k].operands.map(as64) };
    const [gx, gy] = pairGrads(job, PAIR_AB, t.spec, [c0, c1], [true, true], [null, null]);
    pairs[k].forEach((i, side) => {
      const src = (side === 0 ? gx : gy)!.data as Float64Array;
      const dst = sums[i];
      // The first contribution is taken as it is (0 + −0 would be +0).
      if (!seen[i]) dst.set(src);
      else for (let e = 0; e < dst.length; e++) dst[e] += src[e];
      seen[i] = true;
    });
  });
  return t.operands.map((x, i) => {
    const out =
      into[i] ??
      new Tensor(x.dtype === 'float32' ? new Float32Array(x.numel()) : new Float64Array(x.numel()), x.shape, x.dtype);
    (out.data as Float64Array).set(sums[i]);
    return out;
  });
}

function as64(t: Tensor): Tensor {
  if (t.dtype === 'float64') return t;
  return new Tensor(Float64Array.from(t.data as Float32Array), t.shape, 'float64');
}

/** PyTorch's TripletMarginLoss check: "All inputs should have same dimension but got 2D, 1D and 2D inputs." */
export function checkSameRank(fn: string, args: readonly Tensor[]): void {
  const [a, p, n] = args;
  if (a.shape.length !== p.shape.length || p.shape.length !== n.shape.length) {
    throw rangeError(
      fn,
      'anchor, positive and negative must have the same number of dimensions',
      `${shapeStr(a.shape)}, ${shapeStr(p.shape)} and ${shapeStr(n.shape)}`,
    );
  }
}
