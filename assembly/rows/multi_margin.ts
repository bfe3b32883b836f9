// MultiMarginLoss over rows of class scores (PyTorch 1.13's multi_margin_loss and its backward, CPU kernels). Per
// row r with target y, C classes, margin m, p ∈ {1, 2} and weights w (C values; 1 without):
//   z_d = (m − x_y) + x_d                            for every d ≠ y
//   loss_r = (Σ_{d≠y, z_d>0} z_d^p·w_y) / C          (the weight multiplies after the power, as PyTorch's h *= w)
//   ∂loss/∂x_d = (z_d > 0 ? (p == 1 ? s : (2s)·z_d)·w_y : 0)·G_r        d ≠ y
//   ∂loss/∂x_y = (0 − Σ_{d≠y, z_d>0} (p == 1 ? s : (2s)·z_d)·w_y)·G_r
// with s = 1/C (1/(N·C) for 'mean': the caller passes it) and G_r the upstream gradient (g[r], or gs for every
// row). That is PyTorch's operation order, so zeros get its signs: an element without a positive z is 0·G (the
// sign of G), the target's is (0 − Σ)·G. A NaN score is dropped (z > 0 is false: loss and gradient 0 there); a
// NaN target score drops its whole row.
//
// Pointer contract: x [rows, C] of T; t: rows int32 targets, each in [0, C) (checked by index_outside_i32 first);
// w: C weights of T, or 0 for none; g: rows upstream gradients of T, or 0 (then gs); out: rows losses of T
// (written with MARGIN_WRITE_OUT); res: one float64, overwritten with Σ_r loss_r (when non-zero, in the gradient
// kernel: the fused valueAndGrad); gx: x's layout. Any alignment; nothing allocated, nothing thrown, no state.
//
// Precision: float64 throughout (float32 scores promoted exactly), each output rounded once to T. z is a
// cancellation (m − x_y + x_d) whose sign decides both the value and the gradient; evaluated in float64 it makes
// the same decisions as PyTorch's float64 evaluation of the same (promoted) data, so a float32 result is the float64
// truth rounded once. The margin is used as given (PyTorch's float32 kernel rounds it to float32 first).
// Lanes: each row is split at its target into [0, y) and (y, C), each a SIMD loop (f32: 4 classes per v128 as two
// promoted f64x2 halves; f64: 2) with a scalar tail (hinge.ts's hingeSum for the loss).
import { MARGIN_WRITE_OUT } from './class_rows';
import { elemAt, hingeSum, putAt, putLoss } from './hinge';
import { hi64, hsum, lo64, pack32 } from '../lanes';

/** Weight of class y (1 without weights). */
// @ts-ignore: decorator
@inline function weightOf<T>(w: usize, y: i32): f64 {
  return w == 0 ? 1.0 : elemAt<T>(w, y);
}

/** Σ_{d≠y} of the row's hinge terms (its loss times C). */
// @ts-ignore: decorator
@inline function rowSum<T>(row: usize, y: i32, C: i32, margin: f64, sq: bool, wy: f64): f64 {
  const a = margin - elemAt<T>(row, y);
  return hingeSum<T>(row, 0, y, a, sq, wy) + hingeSum<T>(row, y + 1, C, a, sq, wy);
}

// @ts-ignore: decorator
@inline function loss<T>(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, flags: i32, out: usize, res: usize,
): void {
  const write = (flags & MARGIN_WRITE_OUT) != 0;
  const sq = p == 2;
  const invC = 1.0 / <f64>C;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const y = load<i32>(t + (<usize>r << 2));
    const v = rowSum<T>(x + <usize>r * <usize>C * sizeof<T>(), y, C, margin, sq, weightOf<T>(w, y)) * invC;
    total += v;
    if (write) putLoss<T>(out, r, v);
  }
  store<f64>(res, total);
}

/** MultiMargin losses of float32 rows: res[0] = Σ_r loss_r, and each loss_r to `out` with MARGIN_WRITE_OUT. */
export function multi_margin_loss_f32(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, flags: i32, out: usize, res: usize,
): void {
  loss<f32>(x, t, w, rows, C, p, margin, flags, out, res);
}
/** multi_margin_loss_f32 over float64 rows and weights. */
export function multi_margin_loss_f64(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, flags: i32, out: usize, res: usize,
): void {
  loss<f64>(x, t, w, rows, C, p, margin, flags, out, res);
}

/**
 * Gradient over classes [lo, hi) of one row (none of them the target): gx_d = h_d·G with
 * h_d = z_d > 0 ? (sq ? s2·z_d : s)·wy : 0 (s2 = 2s). Returns Σ h_d; adds Σ z^p·wy (the loss's terms) to *val.
 */
// @ts-ignore: decorator
@inline function gradRange<T>(
  row: usize, gx: usize, lo: i32, hi: i32, a: f64, sq: bool, s: f64, wy: f64, G: f64, val: usize,
): f64 {
  let c = lo;
  let H: f64 = 0, V: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(a), vw = f64x2.splat(wy), vG = f64x2.splat(G), zero = f64x2.splat(0);
    const vs = f64x2.splat(s), vs2 = f64x2.splat(2.0 * s);
    let accH = zero, accV = zero;
    if (sizeof<T>() == 4) {
      for (; c + 4 <= hi; c += 4) {
        const v = v128.load(row + (<usize>c << 2));
        const zl = f64x2.add(va, lo64(v)), zh = f64x2.add(va, hi64(v));
        const ml = f64x2.gt(zl, zero), mh = f64x2.gt(zh, zero);
        const hl = v128.and(f64x2.mul(sq ? f64x2.mul(vs2, zl) : vs, vw), ml);
        const hh = v128.and(f64x2.mul(sq ? f64x2.mul(vs2, zh) : vs, vw), mh);
        accH = f64x2.add(accH, f64x2.add(hl, hh));
        accV = f64x2.add(accV, v128.and(f64x2.mul(sq ? f64x2.mul(zl, zl) : zl, vw), ml));
        accV = f64x2.add(accV, v128.and(f64x2.mul(sq ? f64x2.mul(zh, zh) : zh, vw), mh));
        v128.store(gx + (<usize>c << 2), pack32(f64x2.mul(hl, vG), f64x2.mul(hh, vG)));
      }
    } else {
      for (; c + 2 <= hi; c += 2) {
        const z = f64x2.add(va, v128.load(row + (<usize>c << 3)));
        const m = f64x2.gt(z, zero);
        const h = v128.and(f64x2.mul(sq ? f64x2.mul(vs2, z) : vs, vw), m);
        accH = f64x2.add(accH, h);
        accV = f64x2.add(accV, v128.and(f64x2.mul(sq ? f64x2.mul(z, z) : z, vw), m));
        v128.store(gx + (<usize>c << 3), f64x2.mul(h, vG));
      }
    }
    H = hsum(accH);
    V = hsum(accV);
  }
  for (; c < hi; c++) {
    const z = a + elemAt<T>(row, c);
    let h: f64 = 0;
    if (z > 0) {
      h = (sq ? (2.0 * s) * z : s) * wy;
      V += (sq ? z * z : z) * wy;
    }
    H += h;
    putAt<T>(gx, c, h * G);
  }
  if (val != 0) store<f64>(val, load<f64>(val) + V);
  return H;
}

// @ts-ignore: decorator
@inline function grad<T>(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, s: f64, g: usize, gs: f64, gx: usize,
  res: usize,
): void {
  const sq = p == 2;
  const invC = 1.0 / <f64>C;
  let total: f64 = 0;
  if (res != 0) store<f64>(res, 0);
  for (let r = 0; r < rows; r++) {
    const y = load<i32>(t + (<usize>r << 2));
    const off = <usize>r * <usize>C * sizeof<T>();
    const row = x + off, grow = gx + off;
    const G = g == 0 ? gs : elemAt<T>(g, r);
    const wy = weightOf<T>(w, y);
    const a = margin - elemAt<T>(row, y);
    // PyTorch: grad_input_target starts at 0 and subtracts each h; the row's loss terms go to res via *val.
    const H = gradRange<T>(row, grow, 0, y, a, sq, s, wy, G, res) + gradRange<T>(row, grow, y + 1, C, a, sq, s, wy, G, res);
    putAt<T>(grow, y, (0.0 - H) * G);
    if (res != 0) {
      const v = load<f64>(res);
      total += v * invC;
      store<f64>(res, 0);
    }
  }
  if (res != 0) store<f64>(res, total);
}

/**
 * ∂loss/∂x of MultiMargin over float32 rows into gx, scaled by s (1/C, or 1/(N·C) for 'mean') and the upstream
 * gradient (g[r] when g != 0, else gs). With res != 0 also writes res[0] = Σ_r loss_r (the fused valueAndGrad).
 */
export function multi_margin_backward_f32(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, s: f64, g: usize, gs: f64, gx: usize,
  res: usize,
): void {
  grad<f32>(x, t, w, rows, C, p, margin, s, g, gs, gx, res);
}
/** multi_margin_backward_f32 over float64 rows, weights, g and gx. */
export function multi_margin_backward_f64(
  x: usize, t: usize, w: usize, rows: i32, C: i32, p: i32, margin: f64, s: f64, g: usize, gs: f64, gx: usize,
  res: usize,
): void {
  grad<f64>(x, t, w, rows, C, p, margin, s, g, gs, gx, res);
}
