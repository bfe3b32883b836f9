// MultiLabelMarginLoss over rows of class scores (PyTorch 1.13's multilabel_margin_loss and its backward, CPU
// kernels). Row r's targets t_r[0..C) list its labels up to the first −1 (J_r, a repeated label listed twice counts
// twice); the labels in J_r are the row's target classes:
//   z_jd = (1 − x_j) + x_d                          for j ∈ J_r (with repeats) and every class d not a target
//   loss_r = (Σ_j Σ_d [z_jd > 0]·z_jd) / C
//   ∂loss/∂x_k = (n_k·s)·G_r,   n_d = #{j : z_jd > 0} for a non-target d,  n_j = −Σ_occurrences #{d : z_jd > 0}
// with s = 1/C (1/(N·C) for 'mean': the caller passes it) and G_r the upstream gradient (g[r], or gs). PyTorch adds
// ±s once per positive z and then multiplies by G; an exact integer count times s·G is the same number rounded once,
// and a zero count gives 0·G (G's sign), as PyTorch's. A NaN score is dropped (z > 0 is false): its terms add
// nothing and its gradient is 0·G; a NaN target score drops all of its pairs.
//
// Pointer contract: x [rows, C] of T; t [rows, C] int32 labels, each in [−1, C) (index_outside_i32 checks every
// element first, the ones after the first −1 too, as PyTorch does); mark: scratch of 2·C float64 the kernel
// overwrites (the row with its target classes masked to −Inf, and the gradient's counts); g: rows upstream
// gradients of T or 0 (then gs); out: rows losses of T (with MARGIN_WRITE_OUT); res: one float64, overwritten with
// Σ_r loss_r (in the gradient kernel only when non-zero: the fused valueAndGrad); gx: x's layout. Any alignment;
// nothing allocated, nothing thrown, no state.
//
// Precision: float64 throughout (float32 scores promoted exactly), each output rounded once to T: z is a
// cancellation whose sign decides the value and the gradient (see multi_margin.ts). Lanes: the masked row is
// built with 4 (f32) or 2 (f64) classes per v128 and the hinge loops run over it with f64x2 lanes, each with a
// scalar tail; the row's target labels are read scalar (one pass to mask, one per label).
import { MARGIN_WRITE_OUT } from './class_rows';
import { elemAt, hingeSum, ones2, putAt, putLoss } from './hinge';
import { hi64, hsum, lo64, pack32 } from '../lanes';

/** The row promoted to float64 into m, its target classes (labels up to the first −1) set to −Inf. */
// @ts-ignore: decorator
@inline function maskedRow<T>(row: usize, tr: usize, C: i32, m: usize): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    if (sizeof<T>() == 4) {
      for (; c + 4 <= C; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        v128.store(m + (<usize>c << 3), lo64(v));
        v128.store(m + (<usize>c << 3), hi64(v), 16);
      }
    } else {
      for (; c + 2 <= C; c += 2) v128.store(m + (<usize>c << 3), v128.load(row + (<usize>c << 3)));
    }
  }
  for (; c < C; c++) store<f64>(m + (<usize>c << 3), elemAt<T>(row, c));
  // −Inf drops a target class from every hinge: z = a − Inf is −Inf, or NaN when a is +Inf or NaN.
  for (let k = 0; k < C; k++) {
    const j = load<i32>(tr + (<usize>k << 2));
    if (j < 0) break;
    store<f64>(m + (<usize>j << 3), -Infinity);
  }
}

/** Σ over the row's labels (with repeats) of Σ_d hinge(1 − x_j + masked_d): the row's loss times C. */
// @ts-ignore: decorator
@inline function rowSum<T>(row: usize, tr: usize, C: i32, m: usize): f64 {
  let s: f64 = 0;
  for (let k = 0; k < C; k++) {
    const j = load<i32>(tr + (<usize>k << 2));
    if (j < 0) break;
    s += hingeSum<f64>(m, 0, C, 1.0 - elemAt<T>(row, j), false, 1.0);
  }
  return s;
}

// @ts-ignore: decorator
@inline function loss<T>(x: usize, t: usize, rows: i32, C: i32, mark: usize, flags: i32, out: usize, res: usize): void {
  const write = (flags & MARGIN_WRITE_OUT) != 0;
  const invC = 1.0 / <f64>C;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * <usize>C * sizeof<T>();
    const tr = t + (<usize>r * <usize>C << 2);
    maskedRow<T>(row, tr, C, mark);
    const v = rowSum<T>(row, tr, C, mark) * invC;
    total += v;
    if (write) putLoss<T>(out, r, v);
  }
  store<f64>(res, total);
}

/** MultiLabelMargin losses of float32 rows: res[0] = Σ_r loss_r, and each loss_r to `out` with MARGIN_WRITE_OUT. */
export function multilabel_margin_loss_f32(
  x: usize, t: usize, rows: i32, C: i32, mark: usize, flags: i32, out: usize, res: usize,
): void {
  loss<f32>(x, t, rows, C, mark, flags, out, res);
}
/** multilabel_margin_loss_f32 over float64 rows. */
export function multilabel_margin_loss_f64(
  x: usize, t: usize, rows: i32, C: i32, mark: usize, flags: i32, out: usize, res: usize,
): void {
  loss<f64>(x, t, rows, C, mark, flags, out, res);
}

/**
 * For one label j (a = 1 − x_j): adds [z_d > 0] to each count n_d (only non-target d can be positive), returns the
 * number of positive z, and adds Σ_d hinge(z_d) to *val.
 */
// @ts-ignore: decorator
@inline function countRow(m: usize, n: usize, C: i32, a: f64, val: usize): f64 {
  let d = 0;
  let k: f64 = 0, V: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(a), zero = f64x2.splat(0), one = ones2();
    let accK = zero, accV = zero;
    for (; d + 2 <= C; d += 2) {
      const z = f64x2.add(va, v128.load(m + (<usize>d << 3)));
      const pos = f64x2.gt(z, zero);
      const inc = v128.and(one, pos);
      v128.store(n + (<usize>d << 3), f64x2.add(v128.load(n + (<usize>d << 3)), inc));
      accK = f64x2.add(accK, inc);
      accV = f64x2.add(accV, v128.and(z, pos));
    }
    k = hsum(accK);
    V = hsum(accV);
  }
  for (; d < C; d++) {
    const z = a + load<f64>(m + (<usize>d << 3));
    if (z > 0) {
      store<f64>(n + (<usize>d << 3), load<f64>(n + (<usize>d << 3)) + 1.0);
      k += 1.0;
      V += z;
    }
  }
  if (val != 0) store<f64>(val, load<f64>(val) + V);
  return k;
}

// @ts-ignore: decorator
@inline function grad<T>(
  x: usize, t: usize, rows: i32, C: i32, mark: usize, s: f64, g: usize, gs: f64, gx: usize, res: usize,
): void {
  const invC = 1.0 / <f64>C;
  const n = mark + (<usize>C << 3);
  let total: f64 = 0;
  if (res != 0) store<f64>(res, 0);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>C * sizeof<T>();
    const row = x + off, grow = gx + off;
    const tr = t + (<usize>r * <usize>C << 2);
    const G = g == 0 ? gs : elemAt<T>(g, r);
    maskedRow<T>(row, tr, C, mark);
    memory.fill(n, 0, <usize>C << 3);
    for (let q = 0; q < C; q++) {
      const j = load<i32>(tr + (<usize>q << 2));
      if (j < 0) break;
      const k = countRow(mark, n, C, 1.0 - elemAt<T>(row, j), res);
      store<f64>(n + (<usize>j << 3), load<f64>(n + (<usize>j << 3)) - k);
    }
    let d = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f64x2.splat(s), vG = f64x2.splat(G);
      if (sizeof<T>() == 4) {
        for (; d + 4 <= C; d += 4) {
          const lo = f64x2.mul(f64x2.mul(v128.load(n + (<usize>d << 3)), vs), vG);
          const hi = f64x2.mul(f64x2.mul(v128.load(n + (<usize>d << 3), 16), vs), vG);
          v128.store(grow + (<usize>d << 2), pack32(lo, hi));
        }
      } else {
        for (; d + 2 <= C; d += 2) {
          v128.store(grow + (<usize>d << 3), f64x2.mul(f64x2.mul(v128.load(n + (<usize>d << 3)), vs), vG));
        }
      }
    }
    for (; d < C; d++) putAt<T>(grow, d, (load<f64>(n + (<usize>d << 3)) * s) * G);
    if (res != 0) {
      total += load<f64>(res) * invC;
      store<f64>(res, 0);
    }
  }
  if (res != 0) store<f64>(res, total);
}

/**
 * ∂loss/∂x of MultiLabelMargin over float32 rows into gx, scaled by s (1/C, or 1/(N·C) for 'mean') and the
 * upstream gradient (g[r] when g != 0, else gs). With res != 0 also writes res[0] = Σ_r loss_r (fused).
 */
export function multilabel_margin_backward_f32(
  x: usize, t: usize, rows: i32, C: i32, mark: usize, s: f64, g: usize, gs: f64, gx: usize, res: usize,
): void {
  grad<f32>(x, t, rows, C, mark, s, g, gs, gx, res);
}
/** multilabel_margin_backward_f32 over float64 rows, g and gx. */
export function multilabel_margin_backward_f64(
  x: usize, t: usize, rows: i32, C: i32, mark: usize, s: f64, g: usize, gs: f64, gx: usize, res: usize,
): void {
  grad<f64>(x, t, rows, C, mark, s, g, gs, gx, res);
}
