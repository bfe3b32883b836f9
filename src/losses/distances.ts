// The machinery the distance losses share (pairwiseDistance, TripletMarginLoss, TripletMarginWithDistanceLoss,
// CosineEmbeddingLoss): float operands and their promotion, the broadcast shape of a pair viewed as rows over its
// last dimension, PyTorch's p-norm of x − y + eps (at::norm's values for every p, and norm_backward's gradient
// coefficients), and index maps that broadcast per-row values to an output shape and sum gradients back.
import { rangeError, typeError } from '../errors.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { NormSpec, RowJob } from '../wasm/pairwise.js';
import { normModes, pairStats, pairTies, rowsOf } from '../wasm/pairwise.js';
import type { F64Alloc } from '../wasm/work.js';
import { fresh } from '../wasm/work.js';

/** The float dtype of float tensors together (float64 when any is; PyTorch's promotion). */
export function promoteFloats(fn: string, names: readonly string[], ts: readonly Tensor[]): FloatDType {
  ts.forEach((t, i) => {
    if (!isFloat(t.dtype)) {
      throw typeError(fn, `${names[i]} must be a float32 or float64 tensor (simdloss refuses integer inputs)`, t.dtype);
    }
  });
  return ts.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
}

/** The broadcast shape of `ts`, or a RangeError naming them. */
export function jointShape(fn: string, names: readonly string[], ts: readonly Tensor[]): number[] {
  let s: number[] | undefined = [...ts[0].shape];
  for (const t of ts.slice(1)) s = s && broadcastShapes(s, t.shape);
  if (!s) {
    throw rangeError(
      fn,
      `${names.join(' and ')} must broadcast together`,
      ts.map((t) => shapeStr(t.shape)).join(' and '),
    );
  }
  return s;
}

/**
 * A pair's rows: the kernel shape (the broadcast shape, or [1] for two 0-d tensors: PyTorch's norm over dim −1 of
 * a 0-d tensor is |x − y + eps|) and the shape of its per-row results (the broadcast shape without its last
 * dimension, which keepdim keeps as 1; [] for 0-d).
 */
export function pairRows(shape: readonly number[], keepdim = false): { kernel: number[]; out: number[] } {
  if (shape.length === 0) return { kernel: [1], out: [] };
  return { kernel: [...shape], out: keepdim ? [...shape.slice(0, -1), 1] : shape.slice(0, -1) };
}

/** The kernels' mode for p (PyTorch's norm branches: 2, 1, ±∞, 0, below 1, below 2, above 2; NaN as above 2). */
export function normSpec(p: number, eps: number): NormSpec {
  const m = normModes();
  const mode =
    p === 2
      ? m.L2
      : p === 1
        ? m.L1
        : p === Infinity
          ? m.MAX
          : p === -Infinity
            ? m.MIN
            : p === 0
              ? m.ZERO
              : p < 1
                ? m.LT1
                : p < 2
                  ? m.LT2
                  : m.GT2;
  return { mode, p, eps };
}

/**
 * The p-norms of rows from their statistics (`pairStats`): √ for p = 2, ^(1/p) for general p; 0 for empty rows.
 * In an array from `alloc` (default: a new one).
 */
export function normsOf(stats: Float64Array, spec: NormSpec, cols: number, alloc: F64Alloc = fresh): Float64Array {
  const m = normModes();
  const out = alloc(stats.length);
  if (cols === 0) return out; // PyTorch: the norm of an empty row is 0, whatever p
  if (spec.mode === m.L2) {
    for (let i = 0; i < stats.length; i++) out[i] = Math.sqrt(stats[i]);
    return out;
  }
  for (let i = 0; i < stats.length; i++) {
    const s = stats[i];
    out[i] =
      spec.mode === m.L2
        ? Math.sqrt(s)
        : spec.mode === m.LT1 || spec.mode === m.LT2 || spec.mode === m.GT2
          ? s ** (1 / spec.p)
          : s;
  }
  return out;
}

/** Norms of pairs (i, j) of a job's operands, per row; `alloc` gives the arrays (default: new ones). */
export function pairNorms(
  job: RowJob,
  pairs: readonly (readonly [number, number])[],
  spec: NormSpec,
  alloc: F64Alloc = fresh,
): Float64Array[] {
  const { cols } = rowsOf(job.shape);
  return pairStats(job, pairs, spec, alloc).map((s) => normsOf(s, spec, cols, alloc));
}

/**
 * The per-row coefficients of norm_backward for upstream `g` (per row) and norms `n` (see
 * assembly/rows/pairwise.ts): [coef0, coef1]; `ties` (the ∞-norm mask counts) is computed when needed. New
 * arrays come from `alloc` (default: new ones).
 */
export function normCoefficients(
  spec: NormSpec,
  g: Float64Array,
  n: Float64Array,
  ties: () => Float64Array,
  alloc: F64Alloc = fresh,
): [Float64Array, Float64Array | null] {
  const m = normModes();
  const { mode, p } = spec;
  const R = g.length;
  if (mode === m.ZERO) return [g, null];
  if (mode === m.L1) return [g, null];
  if (mode === m.L2) return [g, n];
  if (mode === m.MAX || mode === m.MIN) {
    const c = ties();
    const k0 = alloc(R);
    for (let r = 0; r < R; r++) k0[r] = g[r] / c[r];
    return [k0, n];
  }
  if (mode === m.LT1) {
    const k1 = alloc(R);
    for (let r = 0; r < R; r++) k1[r] = n[r] ** (1 - p);
    return [g, k1];
  }
  // 1 < p < 2 and p > 2: scale_v = grad / norm^(p − 1), masked to 0 where the norm is 0.
  const k0 = alloc(R);
  for (let r = 0; r < R; r++) k0[r] = n[r] === 0 ? 0 : g[r] / n[r] ** (p - 1);
  return [k0, null];
}

/** The ∞-norm mask counts of pair (i, j), per row. */
export function pairTieCounts(
  job: RowJob,
  pair: readonly [number, number],
  spec: NormSpec,
  norms: Float64Array,
): Float64Array {
  return pairTies(job, pair, spec.eps, norms);
}

/**
 * For each flat index of `outShape`, the flat index of `shape` broadcast to it; null when the shapes are equal
 * (the identity).
 */
export function indexMap(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  if (sameShape(shape, outShape)) return null;
  const n = numelOf(outShape);
  const map = new Int32Array(n);
  const strides = broadcastStrides(shape, outShape);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    map[i] = off;
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]++;
      off += strides[k];
      if (idx[k] < outShape[k]) break;
      off -= idx[k] * strides[k];
      idx[k] = 0;
    }
  }
  return map;
}

/** Element i of `values` read through `map` (null: the identity). */
export function at(values: ArrayLike<number>, map: Int32Array | null, i: number): number {
  return values[map ? map[i] : i];
}

/**
 * Gradients of per-output values summed back to the source rows: `g[i]` added to row map[i] (from +0, as PyTorch's
 * sum_to_size), or, for the identity map, taken as they are (so −0 stays −0). The sums go to an array from `alloc`.
 */
export function sumBack(g: Float64Array, map: Int32Array | null, rows: number, alloc: F64Alloc = fresh): Float64Array {
  if (!map) return g;
  const out = alloc(rows);
  for (let i = 0; i < g.length; i++) out[map[i]] += g[i];
  return out;
}

/**
 * Per-output-row upstream gradients of a loss: g/N for 'mean', g for 'sum', the tensor's values for 'none'; in an
 * array from `alloc` (default: a new one).
 */
export function upstreamRows(
  upstream: number | Tensor,
  reduction: string,
  n: number,
  alloc: F64Alloc = fresh,
): Float64Array {
  const out = alloc(n);
  if (typeof upstream === 'number') out.fill(reduction === 'mean' ? upstream / n : upstream);
  else for (let i = 0; i < n; i++) out[i] = Number(upstream.data[i]);
  return out;
}

/** A loss value from per-output-row losses: the reduction in float64, rounded once to `dtype`. */
export function reduceRows(
  loss: Float64Array,
  reduction: string,
  dtype: FloatDType,
  outShape: readonly number[],
): number | { data: Float32Array | Float64Array; shape: readonly number[] } {
  if (reduction === 'none') {
    return { data: dtype === 'float32' ? Float32Array.from(loss) : loss, shape: outShape };
  }
  let s = 0;
  for (let i = 0; i < loss.length; i++) s += loss[i];
  const v = reduction === 'sum' ? s : s / loss.length;
  return dtype === 'float32' ? Math.fround(v) : v;
}
