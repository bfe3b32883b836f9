// CrossEntropy (and NLL) from softmax statistics: loss terms, their sums, and gradients, for class-index and
// class-probability targets. Layout and the statistics (m, s per position, SoA) as in assembly/rows/stats.ts;
// every kernel here takes the same (x, outer, C, inner, span) geometry and the `stats` pointer from
// `softmax_stats_*` over the same x. With stats == 0 the logits are taken as log-probabilities already (m = 0,
// log s = 0): that is NLLLoss. Pure functions of their arguments (no module state); nothing allocates or throws.
//
// Per position p, with ls = log s and log-softmax lp_c = (x_c − m) − ls, softmax q_c = e^(x_c − m)/s, weights
// w_c (1 without weights, W = Σ_c w_c), label smoothing ε (0 for none):
//   index target t:   nll = −(w_t·lp_t);  smooth = −Σ_c w_c·lp_c;  loss = nll, or (1 − ε)·nll + (ε/C)·smooth
//                     ∂loss/∂x_c = (1 − ε)·w_t·(q_c − [c = t]) + (ε/C)·(W·q_c − w_c), evaluated as PyTorch's
//                     autograd does (the log-softmax gradient g, then g_c − q_c·Σg)
//                     t == ignore: loss 0, gradient 0, left out of every sum
//   probabilities y:  y'_c = y_c·(1 − ε) + ε/C;  A = Σ_c (lp_c·y'_c)·w_c;  loss = −A
//                     ∂loss/∂x_c = q_c·Σ_k w_k·y'_k − w_c·y'_c;   ∂loss/∂y_c = −(1 − ε)·w_c·lp_c (likewise)
// These are PyTorch 1.13's formulas and operation order for the values (so signed zeros come out as PyTorch's,
// e.g. −0 for C = 1 with smoothing); gradients are the exact derivatives (torch.autograd of the same graph).
// Gradients are scaled by the upstream gradient: g[p] (a per-position array, reduction 'none') when g != 0,
// else the scalar gs (1/Σw_t or 1/positions for 'mean', 1 for 'sum', times the caller's gradOutput).
//
// Pointer contract: x [outer, C, inner] of T (f32 | f64); t: P int32 class indices (already validated by
// `ce_targets`: each in [0, C) or == ignore); w: C weights of T or 0 for none; y (probabilities): x's layout;
// out: P losses of T (written when non-zero); res: float64 results the kernel overwrites (layout at each export);
// gx (gy): gradients in x's (y's) layout, of T. Any alignment.
//
// Precision: everything in float64 (float32 elements promoted; e^ from assembly/math/exp.ts, log = Math.log),
// each output rounded once to T. The common float32 training call (index targets, no smoothing) does not come
// here for its gradient: assembly/rows/ce_fused.ts computes it in float32 lanes with its loss, without
// statistics. What remains here for float32 gradients (label smoothing, probability targets) takes the
// float64-accurate statistics of softmax_stats_wide: smoothing and probabilities cancel q_c against ε/C or y_c,
// where float32 statistics lost to PyTorch's own error on single elements (~2.6 ulp).
// Lane layout: rows (inner == 1) are scalar per position (the statistics carry the heavy part,
// assembly/rows/stats.ts) except the gradient, which runs over classes with f64x2 lanes (f32: 4 classes per v128,
// promoted halves); columns (inner > 1) are scalar per position and class.
import { expLseZ1, expLseZ2x } from '../math/exp';
import { hi64, lo64, pack32 } from '../lanes';

/** flags bit: write each position's loss to `out`. */
export const CE_WRITE_OUT: i32 = 1;

// @ts-ignore: decorator
@inline function elem<T>(p: usize, i: i32): f64 {
  return <f64>load<T>(p + (<usize>i * sizeof<T>()));
}

/** Weight of class c (1 without weights). */
// @ts-ignore: decorator
@inline export function weightAt<T>(w: usize, c: i32): f64 {
  return w == 0 ? 1.0 : elem<T>(w, c);
}

/** Σ_c w_c (C without weights). */
// @ts-ignore: decorator
@inline function weightSum<T>(w: usize, C: i32): f64 {
  if (w == 0) return <f64>C;
  let s: f64 = 0;
  for (let c = 0; c < C; c++) s += elem<T>(w, c);
  return s;
}

/** m_p from the statistics (0 for log-probability input, stats == 0). */
// @ts-ignore: decorator
@inline function statM(stats: usize, p: i32): f64 {
  return stats == 0 ? 0.0 : load<f64>(stats + (<usize>p << 3));
}

/** s_p from the statistics (1 for log-probability input). */
// @ts-ignore: decorator
@inline function statS(stats: usize, P: i32, p: i32): f64 {
  return stats == 0 ? 1.0 : load<f64>(stats + (<usize>(P + p) << 3));
}

/** Byte offset of class c at position (o, j) in [outer, C, inner]. */
// @ts-ignore: decorator
@inline function offsetOf<T>(o: i32, c: i32, j: i32, C: i32, inner: i32): usize {
  return ((<usize>o * <usize>C + <usize>c) * <usize>inner + <usize>j) * sizeof<T>();
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

/**
 * Validates P class indices: returns the first position whose target is neither in [0, C) nor `ignore`, or −1.
 * Writes res[0] = Σ w_t over the positions not ignored (their count without weights). Stops at a bad target.
 */
// @ts-ignore: decorator
@inline function targets<T>(t: usize, w: usize, P: i32, C: i32, ignore: i32, res: usize): i32 {
  let sw: f64 = 0;
  for (let p = 0; p < P; p++) {
    const ti = load<i32>(t + (<usize>p << 2));
    if (ti == ignore) continue;
    if (<u32>ti >= <u32>C) return p;
    sw += weightAt<T>(w, ti);
  }
  store<f64>(res, sw);
  return -1;
}

/** `targets` with float32 weights. */
export function ce_targets_f32(t: usize, w: usize, P: i32, C: i32, ignore: i32, res: usize): i32 {
  return targets<f32>(t, w, P, C, ignore, res);
}
/** `targets` with float64 weights. */
export function ce_targets_f64(t: usize, w: usize, P: i32, C: i32, ignore: i32, res: usize): i32 {
  return targets<f64>(t, w, P, C, ignore, res);
}

// ---------------------------------------------------------------------------------------------------------------
// Index targets: loss

/** Rows per log in the product form of Σ log s (each s ≤ 2^8 for C ≤ 256, so 64 of them stay below 2^512). */
const ROWS_PER_LOG: i32 = 64;

/**
 * Σ_p w_t·(ls − (x_t − m)) over the non-ignored positions as Σ (m − x_t)·… + log Π s, one Math.log per 64 rows
 * instead of one per row, for the common call (no weights, no smoothing, no per-position output, C ≤ 256). Π s is
 * exact to 64 roundings: log Π is within 64·2^-53 ≈ 7e-15 absolute of Σ log s, below the float64 rounding of the
 * sum. A NaN s makes the product and the sum NaN.
 */
// @ts-ignore: decorator
@inline function plainSum<T>(x: usize, t: usize, stats: usize, outer: i32, C: i32, ignore: i32): f64 {
  const size = <usize>sizeof<T>();
  let prod: f64 = 1, shift: f64 = 0, logs: f64 = 0;
  let r = 0;
  // Blocks of ROWS_PER_LOG kept rows, the log after each block's loop: no call inside the hot loop (V8 kept the
  // loop's values in stack slots around it: ~3× the C twin's time for this pass at C = 10). Same operations.
  while (r < outer) {
    let inProd = 0;
    for (; r < outer && inProd < ROWS_PER_LOG; r++) {
      const ti = load<i32>(t + (<usize>r << 2));
      if (ti == ignore) continue;
      const m = statM(stats, r);
      prod *= statS(stats, outer, r);
      shift += m - <f64>load<T>(x + (<usize>r * <usize>C + <usize>ti) * size);
      inProd++;
    }
    if (inProd == ROWS_PER_LOG) {
      logs += Math.log(prod);
      prod = 1;
    }
  }
  return shift + (logs + Math.log(prod));
}

// @ts-ignore: decorator
@inline function indexLoss<T>(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  flags: i32, out: usize, res: usize,
): void {
  const P = outer * span;
  const write = (flags & CE_WRITE_OUT) != 0;
  const smooth = eps > 0;
  if (!write && !smooth && w == 0 && inner == 1 && stats != 0 && C <= 256) {
    store<f64>(res, plainSum<T>(x, t, stats, outer, C, ignore));
    store<f64>(res, 0, 8);
    return;
  }
  const keep = 1.0 - eps, spread = eps / <f64>C;
  let sNll: f64 = 0, sSmooth: f64 = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < span; j++) {
      const p = o * span + j;
      const ti = load<i32>(t + (<usize>p << 2));
      if (ti == ignore) {
        if (write) store<T>(out + (<usize>p * sizeof<T>()), <T>0);
        continue;
      }
      const m = statM(stats, p);
      const ls = stats == 0 ? 0.0 : Math.log(statS(stats, P, p));
      const xt = <f64>load<T>(x + offsetOf<T>(o, ti, j, C, inner));
      // PyTorch's nll is −(lp_t·w_t); written this way the sign of a zero loss matches too.
      const nll = -(((xt - m) - ls) * weightAt<T>(w, ti));
      sNll += nll;
      let l = nll;
      if (smooth) {
        let a: f64 = 0;
        for (let c = 0; c < C; c++) {
          a += (<f64>load<T>(x + offsetOf<T>(o, c, j, C, inner)) - m - ls) * weightAt<T>(w, c);
        }
        const sm = -a;
        sSmooth += sm;
        l = keep * nll + spread * sm;
      }
      if (write) store<T>(out + (<usize>p * sizeof<T>()), <T>l);
    }
  }
  store<f64>(res, sNll);
  store<f64>(res, sSmooth, 8);
}

/**
 * CrossEntropy / NLL with class-index targets over float32 x: writes res[0] = Σ nll and res[1] = Σ smooth over
 * the non-ignored positions (res[1] = 0 without smoothing, eps ≤ 0) and, with CE_WRITE_OUT, each position's loss
 * ((1 − ε)·nll + (ε/C)·smooth) to `out`. Targets must have passed `ce_targets_*`.
 */
export function ce_index_loss_f32(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  flags: i32, out: usize, res: usize,
): void {
  indexLoss<f32>(x, t, w, stats, outer, C, inner, span, ignore, eps, flags, out, res);
}
/** ce_index_loss_f32 over float64 x and weights. */
export function ce_index_loss_f64(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  flags: i32, out: usize, res: usize,
): void {
  indexLoss<f64>(x, t, w, stats, outer, C, inner, span, ignore, eps, flags, out, res);
}

// ---------------------------------------------------------------------------------------------------------------
// Index targets: gradient
//
// In PyTorch's own form, so that zeros get PyTorch's signs: the gradient g of log-softmax lp is nll_loss's
// (−w_t·(1 − ε)·G at the target, +0 elsewhere) plus the smoothing term's (−(ε/C)·G·w_c everywhere), added in
// that order (so +0 + −0 = +0 off the target), and log_softmax's backward gives gx_c = g_c − q_c·S with
// S = Σ_c g_c, summed from the first class for a contiguous row and from +0 otherwise, as PyTorch's two
// kernels do. For log-probability input (NLL) gx = g.

/**
 * One contiguous row (inner == 1), every class but the target: gx_c = (0 + −(sg·w_c)) − q_c·S (the first term only
 * with smoothing, sg = (ε/C)·G; the second only with softmax statistics). The caller then writes the target's
 * element.
 */
// @ts-ignore: decorator
@inline function gradRow<T>(
  x: usize, gx: usize, C: i32, m: f64, invS: f64, S: f64, sg: f64, w: usize, soft: bool, smooth: bool,
): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const vS = f64x2.splat(S), vm = f64x2.splat(m), vi = f64x2.splat(invS), vsg = f64x2.splat(sg), zero = f64x2.splat(0);
    if (sizeof<T>() == 4) {
      for (; c + 4 <= C; c += 4) {
        const off = <usize>c << 2;
        const xv = v128.load(x + off);
        let lo = zero, hi = zero;
        if (smooth) {
          if (w == 0) {
            lo = f64x2.add(zero, f64x2.neg(vsg));
            hi = lo;
          } else {
            const wv = v128.load(w + off);
            lo = f64x2.add(zero, f64x2.neg(f64x2.mul(vsg, lo64(wv))));
            hi = f64x2.add(zero, f64x2.neg(f64x2.mul(vsg, hi64(wv))));
          }
        }
        if (soft) {
          lo = f64x2.sub(lo, f64x2.mul(f64x2.mul(expLseZ2x(f64x2.sub(lo64(xv), vm)), vi), vS));
          hi = f64x2.sub(hi, f64x2.mul(f64x2.mul(expLseZ2x(f64x2.sub(hi64(xv), vm)), vi), vS));
        }
        v128.store(gx + off, pack32(lo, hi));
      }
    } else {
      for (; c + 2 <= C; c += 2) {
        const off = <usize>c << 3;
        let v = smooth ? f64x2.add(zero, f64x2.neg(w == 0 ? vsg : f64x2.mul(vsg, v128.load(w + off)))) : zero;
        if (soft) v = f64x2.sub(v, f64x2.mul(f64x2.mul(expLseZ2x(f64x2.sub(v128.load(x + off), vm)), vi), vS));
        v128.store(gx + off, v);
      }
    }
  }
  for (; c < C; c++) {
    let v = smooth ? 0.0 + -(sg * weightAt<T>(w, c)) : 0.0;
    if (soft) v -= (expLseZ1(elem<T>(x, c) - m) * invS) * S;
    store<T>(gx + (<usize>c * sizeof<T>()), <T>v);
  }
}


/** Σ_c g_c summed as PyTorch does (from the first class for a row, from +0 otherwise), for a zero sum's sign. */
// @ts-ignore: decorator
@inline export function zeroSum<T>(w: usize, C: i32, ti: i32, gt: f64, sg: f64, smooth: bool, ignored: bool, row: bool): f64 {
  let S: f64 = 0;
  for (let c = 0; c < C; c++) {
    const sm = smooth ? -(sg * weightAt<T>(w, c)) : 0.0;
    const v = c == ti && !ignored ? (smooth ? gt + sm : gt) : (smooth ? 0.0 + sm : 0.0);
    S = c == 0 && row ? v : S + v;
  }
  return S;
}

// @ts-ignore: decorator
@inline function indexGrad<T>(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  g: usize, gs: f64, gx: usize,
): void {
  const P = outer * span;
  const soft = stats != 0;
  const smooth = eps > 0;
  const keep = smooth ? 1.0 - eps : 1.0, spread = smooth ? eps / <f64>C : 0.0;
  const W = weightSum<T>(w, C);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < span; j++) {
      const p = o * span + j;
      const ti = load<i32>(t + (<usize>p << 2));
      const ignored = ti == ignore;
      const G = ignored ? 0.0 : g == 0 ? gs : <f64>load<T>(g + (<usize>p * sizeof<T>()));
      const wt = ignored ? 0.0 : weightAt<T>(w, ti);
      const sg = spread * G;
      // g at the target (nll_loss's part; the smoothing part is added where the element is written) and S = Σ g.
      const gt = -(wt * (keep * G));
      let S = smooth ? gt - sg * W : gt;
      // A zero S takes its sign from PyTorch's sum over the classes, which starts at the first element for a
      // contiguous row (inner == 1) and at +0 otherwise.
      if (S == 0) S = zeroSum<T>(w, C, ti, gt, sg, smooth, ignored, inner == 1);
      const m = statM(stats, p);
      const invS = 1.0 / statS(stats, P, p);
      if (inner == 1) {
        const row = <usize>o * <usize>C * sizeof<T>();
        gradRow<T>(x + row, gx + row, C, m, invS, S, sg, w, soft, smooth);
      } else {
        for (let c = 0; c < C; c++) {
          const off = offsetOf<T>(o, c, j, C, inner);
          let v = smooth ? 0.0 + -(sg * weightAt<T>(w, c)) : 0.0;
          if (soft) v -= (expLseZ1(<f64>load<T>(x + off) - m) * invS) * S;
          store<T>(gx + off, <T>v);
        }
      }
      if (!ignored) {
        // The target's element, from scratch in float64 (the stored value is rounded to T).
        const off = offsetOf<T>(o, ti, j, C, inner);
        let v = smooth ? gt + -(sg * wt) : gt;
        if (soft) v -= (expLseZ1(<f64>load<T>(x + off) - m) * invS) * S;
        store<T>(gx + off, <T>v);
      }
    }
  }
}

/**
 * ∂loss/∂x for class-index targets over float32 x into gx (x's layout), scaled by g[p] (g != 0, float32 per
 * position) or gs. Ignored positions get 0. Targets must have passed `ce_targets_*`.
 */
export function ce_index_grad_f32(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  g: usize, gs: f64, gx: usize,
): void {
  indexGrad<f32>(x, t, w, stats, outer, C, inner, span, ignore, eps, g, gs, gx);
}
/** ce_index_grad_f32 over float64 x, weights, g and gx. */
export function ce_index_grad_f64(
  x: usize, t: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, ignore: i32, eps: f64,
  g: usize, gs: f64, gx: usize,
): void {
  indexGrad<f64>(x, t, w, stats, outer, C, inner, span, ignore, eps, g, gs, gx);
}

// ---------------------------------------------------------------------------------------------------------------
// Probability targets

// @ts-ignore: decorator
@inline function probLoss<T>(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): void {
  const P = outer * span;
  const write = (flags & CE_WRITE_OUT) != 0;
  const keep = eps > 0 ? 1.0 - eps : 1.0, spread = eps > 0 ? eps / <f64>C : 0.0;
  let total: f64 = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < span; j++) {
      const p = o * span + j;
      const m = statM(stats, p);
      const ls = stats == 0 ? 0.0 : Math.log(statS(stats, P, p));
      let a: f64 = 0;
      for (let c = 0; c < C; c++) {
        const off = offsetOf<T>(o, c, j, C, inner);
        const yc = eps > 0 ? <f64>load<T>(y + off) * keep + spread : <f64>load<T>(y + off);
        a += ((<f64>load<T>(x + off) - m - ls) * yc) * weightAt<T>(w, c);
      }
      total += a;
      if (write) store<T>(out + (<usize>p * sizeof<T>()), <T>-a);
    }
  }
  store<f64>(res, total);
}

/**
 * CrossEntropy with class-probability targets y (x's layout) over float32: writes res[0] = Σ_p A_p (the loss is
 * its negation: PyTorch's −(lp·y'·w).sum()) and, with CE_WRITE_OUT, each position's loss −A_p to `out`.
 */
export function ce_prob_loss_f32(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): void {
  probLoss<f32>(x, y, w, stats, outer, C, inner, span, eps, flags, out, res);
}
/** ce_prob_loss_f32 over float64. */
export function ce_prob_loss_f64(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64, flags: i32,
  out: usize, res: usize,
): void {
  probLoss<f64>(x, y, w, stats, outer, C, inner, span, eps, flags, out, res);
}

// In PyTorch's form (see the index gradient): g_c = ((−G)·w_c)·y'_c is the gradient of lp, gx_c = g_c − q_c·S with
// S = Σ_c g_c, and gy_c = ((−G)·w_c)·lp_c, times (1 − ε) when smoothing.
// @ts-ignore: decorator
@inline function probGrad<T>(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64,
  g: usize, gs: f64, gx: usize, gy: usize,
): void {
  const P = outer * span;
  const smooth = eps > 0;
  const keep = smooth ? 1.0 - eps : 1.0, spread = smooth ? eps / <f64>C : 0.0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < span; j++) {
      const p = o * span + j;
      const nG = -(g == 0 ? gs : <f64>load<T>(g + (<usize>p * sizeof<T>())));
      const m = statM(stats, p);
      const s = statS(stats, P, p);
      const ls = stats == 0 ? 0.0 : Math.log(s);
      const invS = 1.0 / s;
      // Σ_c g_c as PyTorch sums it: from the first element for a contiguous row (an all −0 row sums to −0),
      // from +0 when the classes are strided (inner > 1).
      let S: f64 = 0;
      for (let c = 0; c < C; c++) {
        const yv = <f64>load<T>(y + offsetOf<T>(o, c, j, C, inner));
        const v = (nG * weightAt<T>(w, c)) * (smooth ? yv * keep + spread : yv);
        S = c == 0 && inner == 1 ? v : S + v;
      }
      for (let c = 0; c < C; c++) {
        const off = offsetOf<T>(o, c, j, C, inner);
        const xc = <f64>load<T>(x + off);
        const ngw = nG * weightAt<T>(w, c);
        if (gx != 0) {
          const yv = <f64>load<T>(y + off);
          const gc = ngw * (smooth ? yv * keep + spread : yv);
          const q = stats == 0 ? 0.0 : expLseZ1(xc - m) * invS;
          store<T>(gx + off, <T>(gc - q * S));
        }
        if (gy != 0) {
          const v = ngw * ((xc - m) - ls);
          store<T>(gy + off, <T>(smooth ? v * keep : v));
        }
      }
    }
  }
}

/**
 * Gradients for probability targets over float32: gx = ∂loss/∂x and gy = ∂loss/∂y (each written when its
 * pointer is non-zero), scaled by g[p] (g != 0) or gs.
 */
export function ce_prob_grad_f32(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64,
  g: usize, gs: f64, gx: usize, gy: usize,
): void {
  probGrad<f32>(x, y, w, stats, outer, C, inner, span, eps, g, gs, gx, gy);
}
/** ce_prob_grad_f32 over float64. */
export function ce_prob_grad_f64(
  x: usize, y: usize, w: usize, stats: usize, outer: i32, C: i32, inner: i32, span: i32, eps: f64,
  g: usize, gs: f64, gx: usize, gy: usize,
): void {
  probGrad<f64>(x, y, w, stats, outer, C, inner, span, eps, g, gs, gx, gy);
}
