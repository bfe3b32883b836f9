// Row kernels over pairs of tensors: p-norm distances of differences (torch.pairwise_distance, which
// TripletMarginLoss and TripletMarginWithDistanceLoss use) and the dot products and squared norms of cosine
// similarity (CosineEmbeddingLoss), with their gradients. Pure functions of their arguments: no module state,
// nothing allocates or throws.
//
// Layout: each operand is a block of `rows` rows of `cols` contiguous elements of T (f32 | f64), element (r, j) at
// index r·cols + j; all operands of a call share the layout (the facade stages broadcast operands expanded, and
// splits a row longer than a chunk into column blocks, calling with rows = 1 and accumulating across the blocks).
// Per-row float64 arrays (`acc`, `norm`, `cnt`, `coef`) hold `rows` values each, structure-of-arrays.
//
// Distances (PyTorch: at::norm(x − y + eps, p, -1)): d = x − y + eps per element, then per row
//   PD_L2   acc += d²        (the facade takes √acc)        PD_L1   acc += |d|
//   PD_MAX  acc = max(acc, |d|)  (p = +∞; NaN propagates)  PD_MIN  acc = min(acc, |d|)  (p = −∞; NaN propagates)
//   PD_ZERO acc += (d ≠ 0)   (p = 0; NaN counts)
//   PD_POW_* acc += |d|^p    (any other p; the facade takes acc^(1/p))
// `acc` accumulates: the caller initialises it (0, or +∞ for PD_MIN) and may call again for further columns.
// `pd_acc2` is pd_acc of the pairs (x, y) and (x, z) in one pass (a triplet's two distances from its anchor, the
// anchor read once), with the same bits as two pd_acc calls.
// `pd_ties` counts per row the elements of PyTorch's ∞-norm gradient mask, |d| == norm or |d| is NaN.
//
// Gradients (PyTorch 1.13's norm_backward, per element, for a row's upstream g, norm n and mask count c; the
// facade folds the per-row factors into coef0/coef1):
//   PD_L1      q = sgn(d)·g                                  coef0 = g
//   PD_L2      q = g·(n == 0 ? 0 : d/n)                      coef0 = g, coef1 = n
//   PD_MAX/MIN q = sgn(d)·((g/c)·[|d| == n or |d| NaN])      coef0 = g/c, coef1 = n
//   PD_POW_LT1 q = (sgn(d)·(d == 0 ? 0 : |d|^(p−1)))·g·n^(1−p)       coef0 = g, coef1 = n^(1−p)   (p < 1)
//   PD_POW_LT2 q = (sgn(d)·|d|^(p−1))·s                      coef0 = s = (n == 0 ? 0 : g/n^(p−1))  (1 < p < 2)
//   PD_POW_GT2 q = (d·|d|^(p−2))·s                           coef0 = s                           (p > 2)
//   PD_ZERO    no gradient: +0 for every operand (PyTorch's undefined gradient, materialised as zeros)
// with sgn(d) = 1, −1, or 0 for 0 and NaN (torch's sgn of a real). The x − y of a pair gives x the gradient q and
// y −q. `pd_grad` sums the gradients of up to three pairs over three operands a, b, c (bit 0: the pair (a, b),
// bit 1: (a, c), bit 2: (b, c); TripletMarginLoss's (anchor, positive), (anchor, negative), (positive, negative)
// with swap) in float64 and rounds each element once; with bit 0 alone it is one pair's gradient (c unused).
//
// Cosine: `cos_acc` accumulates per row Σ x·y, Σ x², Σ y² (acc[r], acc[rows + r], acc[2·rows + r]); `cos_grad`
// writes gx = α·y + (β·x + β·x), gy = α·x + (γ·y + γ·y) for per-row α, β, γ (autograd of (x·y).sum, (x·x).sum
// and (y·y).sum: each product's two operands get grad·other; the facade computes α, β, γ from the row's loss).
//
// Precision: everything in float64 (float32 elements promoted exactly), each output rounded once to T: PyTorch's
// float32 d = x − y + eps carries a rounding that margin + d⁺ − d⁻ or 1 − cos can cancel to more than the
// accuracy rule allows, and the exact promoted values cannot (see docs/architecture.md). |d|^e is
// exp(e·log|d|) with assembly/math's float64 exp and log (relative error ≲ |e·log|d||·2^-52). Lane layout: two
// elements per f64x2 (a float32 pair promoted from one 64-bit load), two accumulators per row, then the row's
// scalar tail performing the same operations per element; the scalar build runs the tails alone (its row sums
// are sequential, so they can differ from the SIMD build's in the last bits).
import { exp1, exp2x } from '../math/exp';
import { log_f64, log_f64x2 } from '../math/log';

/** Modes of the distance kernels (see the header). */
export const PD_L2: i32 = 0;
export const PD_L1: i32 = 1;
export const PD_MAX: i32 = 2;
export const PD_MIN: i32 = 3;
export const PD_ZERO: i32 = 4;
export const PD_POW_LT1: i32 = 5;
export const PD_POW_LT2: i32 = 6;
export const PD_POW_GT2: i32 = 7;

/** Elements i and i + 1 of the T array at `p` as f64x2 (float32 promoted from one 64-bit load). */
// @ts-ignore: decorator
@inline function ld2<T>(p: usize, i: i32): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(p + (<usize>i << 2)));
  return v128.load(p + (<usize>i << 3));
}

/** Element i of the T array at `p` as f64. */
// @ts-ignore: decorator
@inline function ld1<T>(p: usize, i: i32): f64 {
  return <f64>load<T>(p + (<usize>i * sizeof<T>()));
}

/** Stores f64x2 `v` as elements i, i + 1 of the T array at `p` (float32: each lane rounded once). */
// @ts-ignore: decorator
@inline function st2<T>(p: usize, i: i32, v: v128): void {
  if (sizeof<T>() == 4) v128.store64_lane(p + (<usize>i << 2), f32x4.demote_f64x2_zero(v), 0);
  else v128.store(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline function st1<T>(p: usize, i: i32, v: f64): void {
  store<T>(p + (<usize>i * sizeof<T>()), <T>v);
}

/** |x|^e as exp(e·log|x|), e ≠ 0 (0^e = 0 for e > 0, +∞ for e < 0; NaN stays NaN). */
// @ts-ignore: decorator
@inline function pow2(x: v128, e: v128): v128 {
  return exp2x(f64x2.mul(e, log_f64x2(f64x2.abs(x))));
}

// @ts-ignore: decorator
@inline function pow1(x: f64, e: f64): f64 {
  return exp1(e * log_f64(abs<f64>(x)));
}

/** `pow2` and `pow1` as calls (not inlined), for the rare general-p paths: one copy of exp and log each. */
function powCall2(x: v128, e: v128): v128 {
  return pow2(x, e);
}

function powCall1(x: f64, e: f64): f64 {
  return pow1(x, e);
}

/** sgn(d): 1, −1, or 0 for ±0 and NaN. */
// @ts-ignore: decorator
@inline function sgn1(d: f64): f64 {
  return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
}

// @ts-ignore: decorator
@inline function sgn2(d: v128): v128 {
  const zero = f64x2.splat(0);
  return v128.bitselect(f64x2.splat(1), v128.bitselect(f64x2.splat(-1), zero, f64x2.lt(d, zero)), f64x2.gt(d, zero));
}

// ---------------------------------------------------------------------------------------------------------------
// Distance statistics

/** The per-element term of a summing mode. */
// @ts-ignore: decorator
@inline function term1(mode: i32, d: f64, p: f64): f64 {
  if (mode == PD_L2) return d * d;
  if (mode == PD_L1) return abs<f64>(d);
  if (mode == PD_ZERO) return d != 0 ? 1.0 : 0.0;
  return powCall1(d, p);
}

// @ts-ignore: decorator
@inline function term2(mode: i32, d: v128, p: v128): v128 {
  if (mode == PD_L2) return f64x2.mul(d, d);
  if (mode == PD_L1) return f64x2.abs(d);
  if (mode == PD_ZERO) return v128.and(f64x2.ne(d, f64x2.splat(0)), f64x2.splat(1));
  return powCall2(d, p);
}

/** One row of a mode: its accumulated statistic, starting from `a`. */
// @ts-ignore: decorator
@inline function accRow<T>(mode: i32, x: usize, y: usize, cols: i32, eps: f64, p: f64, a: f64): f64 {
  let j = 0;
  const extreme = mode == PD_MAX || mode == PD_MIN;
  if (ASC_FEATURE_SIMD) {
    const E = f64x2.splat(eps), P = f64x2.splat(p);
    // Extremes start from a in both lanes (max/min with it again is harmless); sums from 0, a added at the end.
    let s0 = f64x2.splat(extreme ? a : 0), s1 = s0;
    for (; j + 4 <= cols; j += 4) {
      const d0 = f64x2.add(f64x2.sub(ld2<T>(x, j), ld2<T>(y, j)), E);
      const d1 = f64x2.add(f64x2.sub(ld2<T>(x, j + 2), ld2<T>(y, j + 2)), E);
      if (mode == PD_MAX) {
        s0 = f64x2.max(s0, f64x2.abs(d0));
        s1 = f64x2.max(s1, f64x2.abs(d1));
      } else if (mode == PD_MIN) {
        s0 = f64x2.min(s0, f64x2.abs(d0));
        s1 = f64x2.min(s1, f64x2.abs(d1));
      } else {
        s0 = f64x2.add(s0, term2(mode, d0, P));
        s1 = f64x2.add(s1, term2(mode, d1, P));
      }
    }
    for (; j + 2 <= cols; j += 2) {
      const d0 = f64x2.add(f64x2.sub(ld2<T>(x, j), ld2<T>(y, j)), E);
      if (mode == PD_MAX) s0 = f64x2.max(s0, f64x2.abs(d0));
      else if (mode == PD_MIN) s0 = f64x2.min(s0, f64x2.abs(d0));
      else s0 = f64x2.add(s0, term2(mode, d0, P));
    }
    if (mode == PD_MAX) {
      const m = f64x2.max(s0, s1);
      a = max<f64>(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
    } else if (mode == PD_MIN) {
      const m = f64x2.min(s0, s1);
      a = min<f64>(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
    } else {
      const t = f64x2.add(s0, s1);
      a += f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
    }
  }
  for (; j < cols; j++) {
    const d = ld1<T>(x, j) - ld1<T>(y, j) + eps;
    if (mode == PD_MAX) a = max<f64>(a, abs<f64>(d));
    else if (mode == PD_MIN) a = min<f64>(a, abs<f64>(d));
    else a += term1(mode, d, p);
  }
  return a;
}

/** `accRow` with a run-time mode (not inlined: one copy per T). */
function accRowAny<T>(mode: i32, x: usize, y: usize, cols: i32, eps: f64, p: f64, a: f64): f64 {
  return accRow<T>(mode, x, y, cols, eps, p, a);
}

/** acc[r] ⊕= the row's statistic of d = x − y + eps in `mode` (see the header), for `rows` rows of `cols`. */
// @ts-ignore: decorator
@inline function pdAcc<T>(x: usize, y: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize): void {
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const at = acc + (<usize>r << 3);
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let a = load<f64>(at);
    // Specialised row loops for the common p = 2 and p = 1; one loop with the mode tested per element for the
    // rest (every PD_POW_* sums |d|^p), which keeps the binary small.
    if (mode == PD_L2) a = accRow<T>(PD_L2, xr, yr, cols, eps, p, a);
    else if (mode == PD_L1) a = accRow<T>(PD_L1, xr, yr, cols, eps, p, a);
    else a = accRowAny<T>(mode >= PD_POW_LT1 ? PD_POW_GT2 : mode, xr, yr, cols, eps, p, a);
    store<f64>(at, a);
  }
}

/**
 * accRow of the pairs (x, y) and (x, z) at once, for the summing modes PD_L2 and PD_L1: each pair's statistic with
 * the same operations in the same order as accRow's (the same bits), x read once for both. Stores them at p1, p2
 * (added to what is there).
 */
// @ts-ignore: decorator
@inline function accRow2<T>(mode: i32, x: usize, y: usize, z: usize, cols: i32, eps: f64, p1: usize, p2: usize): void {
  let j = 0;
  let a1 = load<f64>(p1), a2 = load<f64>(p2);
  if (ASC_FEATURE_SIMD) {
    const E = f64x2.splat(eps), P = f64x2.splat(0);
    let s0 = f64x2.splat(0), s1 = s0, t0 = s0, t1 = s0;
    for (; j + 4 <= cols; j += 4) {
      const x0 = ld2<T>(x, j), x1 = ld2<T>(x, j + 2);
      s0 = f64x2.add(s0, term2(mode, f64x2.add(f64x2.sub(x0, ld2<T>(y, j)), E), P));
      s1 = f64x2.add(s1, term2(mode, f64x2.add(f64x2.sub(x1, ld2<T>(y, j + 2)), E), P));
      t0 = f64x2.add(t0, term2(mode, f64x2.add(f64x2.sub(x0, ld2<T>(z, j)), E), P));
      t1 = f64x2.add(t1, term2(mode, f64x2.add(f64x2.sub(x1, ld2<T>(z, j + 2)), E), P));
    }
    for (; j + 2 <= cols; j += 2) {
      const x0 = ld2<T>(x, j);
      s0 = f64x2.add(s0, term2(mode, f64x2.add(f64x2.sub(x0, ld2<T>(y, j)), E), P));
      t0 = f64x2.add(t0, term2(mode, f64x2.add(f64x2.sub(x0, ld2<T>(z, j)), E), P));
    }
    const s = f64x2.add(s0, s1), t = f64x2.add(t0, t1);
    a1 += f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    a2 += f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  }
  for (; j < cols; j++) {
    const xj = ld1<T>(x, j);
    a1 += term1(mode, xj - ld1<T>(y, j) + eps, 0);
    a2 += term1(mode, xj - ld1<T>(z, j) + eps, 0);
  }
  store<f64>(p1, a1);
  store<f64>(p2, a2);
}

/**
 * pdAcc of the pairs (x, y) into acc and (x, z) into acc2 in one pass (a triplet's anchor read once): the same bits
 * as two pdAcc calls; modes other than PD_L2 and PD_L1 run as two pdAcc calls.
 */
// @ts-ignore: decorator
@inline function pdAcc2<T>(
  x: usize, y: usize, z: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize, acc2: usize,
): void {
  if (mode != PD_L2 && mode != PD_L1) {
    pdAcc<T>(x, y, rows, cols, eps, mode, p, acc);
    pdAcc<T>(x, z, rows, cols, eps, mode, p, acc2);
    return;
  }
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * rowBytes, at = <usize>r << 3;
    if (mode == PD_L2) accRow2<T>(PD_L2, x + o, y + o, z + o, cols, eps, acc + at, acc2 + at);
    else accRow2<T>(PD_L1, x + o, y + o, z + o, cols, eps, acc + at, acc2 + at);
  }
}

/** cnt[r] += the number of elements with |d| == norm[r] or |d| NaN (the ∞-norm gradient's mask). */
// @ts-ignore: decorator
@inline function pdTies<T>(x: usize, y: usize, rows: i32, cols: i32, eps: f64, norm: usize, cnt: usize): void {
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    const n = load<f64>(norm + (<usize>r << 3));
    let c: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const d = abs<f64>(ld1<T>(xr, j) - ld1<T>(yr, j) + eps);
      if (d == n || d != d) c += 1;
    }
    store<f64>(cnt + (<usize>r << 3), load<f64>(cnt + (<usize>r << 3)) + c);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Distance gradients

/** q for one element (see the header), from the row's coef0 = k0 and coef1 = k1. */
// @ts-ignore: decorator
@inline function q1(mode: i32, d: f64, k0: f64, k1: f64, p: f64): f64 {
  if (mode == PD_L2) return k0 * (k1 == 0 ? 0.0 : d / k1);
  return q1Any(mode, d, k0, k1, p);
}

/** `q1` for every mode but PD_L2 (not inlined: one copy, one pow). */
function q1Any(mode: i32, d: f64, k0: f64, k1: f64, p: f64): f64 {
  if (mode == PD_L1) return sgn1(d) * k0;
  if (mode == PD_L2) return k0 * (k1 == 0 ? 0.0 : d / k1);
  if (mode == PD_MAX || mode == PD_MIN) {
    const a = abs<f64>(d);
    return sgn1(d) * (k0 * (a == k1 || a != a ? 1.0 : 0.0));
  }
  // |d|^(p−1) (p < 2) or |d|^(p−2) (p > 2), times sgn(d) or d.
  const gt2 = mode == PD_POW_GT2;
  const t = powCall1(d, gt2 ? p - 2 : p - 1);
  if (mode == PD_POW_LT1) return ((sgn1(d) * (d == 0 ? 0.0 : t)) * k0) * k1;
  return ((gt2 ? d : sgn1(d)) * t) * k0;
}

// @ts-ignore: decorator
@inline function q2(mode: i32, d: v128, k0: v128, k1: v128, p: f64): v128 {
  if (mode == PD_L2) return f64x2.mul(k0, v128.andnot(f64x2.div(d, k1), f64x2.eq(k1, f64x2.splat(0))));
  return q2Any(mode, d, k0, k1, p);
}

/** `q2` for every mode but PD_L2 (not inlined: one copy, one pow). */
function q2Any(mode: i32, d: v128, k0: v128, k1: v128, p: f64): v128 {
  const zero = f64x2.splat(0);
  if (mode == PD_L1) return f64x2.mul(sgn2(d), k0);
  if (mode == PD_L2) return f64x2.mul(k0, v128.andnot(f64x2.div(d, k1), f64x2.eq(k1, zero)));
  if (mode == PD_MAX || mode == PD_MIN) {
    const a = f64x2.abs(d);
    const mask = v128.or(f64x2.eq(a, k1), f64x2.ne(a, a));
    return f64x2.mul(sgn2(d), f64x2.mul(k0, v128.and(mask, f64x2.splat(1))));
  }
  const gt2 = mode == PD_POW_GT2;
  const t = powCall2(d, f64x2.splat(gt2 ? p - 2 : p - 1));
  if (mode == PD_POW_LT1) return f64x2.mul(f64x2.mul(f64x2.mul(sgn2(d), v128.andnot(t, f64x2.eq(d, zero))), k0), k1);
  return f64x2.mul(f64x2.mul(gt2 ? d : sgn2(d), t), k0);
}

/**
 * The gradients of one row for the pairs in `pairs` (see the header), with pair (a, b)'s coefficients kab0/kab1,
 * (a, c)'s kac0/kac1 and (b, c)'s kbc0/kbc1. A gradient of one contribution is that contribution itself (not
 * 0 + q, which would turn −0 into +0).
 */
// @ts-ignore: decorator
@inline function gradRow<T>(
  mode: i32, pairs: i32, a: usize, b: usize, c: usize, cols: i32, eps: f64, p: f64,
  kab0: f64, kab1: f64, kac0: f64, kac1: f64, kbc0: f64, kbc1: f64, ga: usize, gb: usize, gc: usize,
): void {
  const ab = (pairs & 1) != 0, ac = (pairs & 2) != 0, bc = (pairs & 4) != 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const E = f64x2.splat(eps), zero = f64x2.splat(0);
    const vab0 = f64x2.splat(kab0), vab1 = f64x2.splat(kab1), vac0 = f64x2.splat(kac0), vac1 = f64x2.splat(kac1);
    const vbc0 = f64x2.splat(kbc0), vbc1 = f64x2.splat(kbc1);
    for (; j + 2 <= cols; j += 2) {
      const va = ld2<T>(a, j), vb = ld2<T>(b, j);
      const vc = ac || bc ? ld2<T>(c, j) : zero;
      const qab = ab ? q2(mode, f64x2.add(f64x2.sub(va, vb), E), vab0, vab1, p) : zero;
      const qac = ac ? q2(mode, f64x2.add(f64x2.sub(va, vc), E), vac0, vac1, p) : zero;
      const qbc = bc ? q2(mode, f64x2.add(f64x2.sub(vb, vc), E), vbc0, vbc1, p) : zero;
      if (ga != 0) st2<T>(ga, j, ab && ac ? f64x2.add(qab, qac) : ab ? qab : qac);
      if (gb != 0) st2<T>(gb, j, ab && bc ? f64x2.add(f64x2.neg(qab), qbc) : ab ? f64x2.neg(qab) : qbc);
      if (gc != 0) st2<T>(gc, j, ac && bc ? f64x2.sub(f64x2.neg(qac), qbc) : ac ? f64x2.neg(qac) : f64x2.neg(qbc));
    }
  }
  for (; j < cols; j++) {
    const va = ld1<T>(a, j), vb = ld1<T>(b, j);
    const vc = ac || bc ? ld1<T>(c, j) : 0.0;
    const qab = ab ? q1(mode, va - vb + eps, kab0, kab1, p) : 0.0;
    const qac = ac ? q1(mode, va - vc + eps, kac0, kac1, p) : 0.0;
    const qbc = bc ? q1(mode, vb - vc + eps, kbc0, kbc1, p) : 0.0;
    if (ga != 0) st1<T>(ga, j, ab && ac ? qab + qac : ab ? qab : qac);
    if (gb != 0) st1<T>(gb, j, ab && bc ? -qab + qbc : ab ? -qab : qbc);
    if (gc != 0) st1<T>(gc, j, ac && bc ? -qac - qbc : ac ? -qac : -qbc);
  }
}

/** `gradRow` with a run-time mode (not inlined: one copy per T). */
function gradRowAny<T>(
  mode: i32, pairs: i32, a: usize, b: usize, c: usize, cols: i32, eps: f64, p: f64,
  kab0: f64, kab1: f64, kac0: f64, kac1: f64, kbc0: f64, kbc1: f64, ga: usize, gb: usize, gc: usize,
): void {
  gradRow<T>(mode, pairs, a, b, c, cols, eps, p, kab0, kab1, kac0, kac1, kbc0, kbc1, ga, gb, gc);
}

/** Coefficient i (0 … 5) of block row r, or 0 when its pair is absent. */
// @ts-ignore: decorator
@inline function coefAt(coef: usize, pairs: i32, rows: i32, i: i32, r: i32): f64 {
  return ((pairs >> (i >> 1)) & 1) != 0 ? load<f64>(coef + ((<usize>i * <usize>rows + <usize>r) << 3)) : 0.0;
}

/**
 * Gradients of up to three pairs of (a, b, c) for `rows` rows of `cols` (see the header). coef: for each pair k
 * present in `pairs` (k = 0: (a, b), 1: (a, c), 2: (b, c)), coef0 at coef[(2k)·rows + r] and coef1 at
 * coef[(2k + 1)·rows + r]; ga, gb, gc: outputs in the operands' layout, each written when non-zero.
 */
// @ts-ignore: decorator
@inline function triGrad<T>(
  a: usize, b: usize, c: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, pairs: i32, coef: usize,
  ga: usize, gb: usize, gc: usize,
): void {
  if (mode == PD_ZERO) {
    const bytes = <usize>rows * <usize>cols * sizeof<T>();
    if (ga != 0) memory.fill(ga, 0, bytes);
    if (gb != 0) memory.fill(gb, 0, bytes);
    if (gc != 0) memory.fill(gc, 0, bytes);
    return;
  }
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * rowBytes;
    const k0 = coefAt(coef, pairs, rows, 0, r), k1 = coefAt(coef, pairs, rows, 1, r);
    const k2 = coefAt(coef, pairs, rows, 2, r), k3 = coefAt(coef, pairs, rows, 3, r);
    const k4 = coefAt(coef, pairs, rows, 4, r), k5 = coefAt(coef, pairs, rows, 5, r);
    const xa = a + o, xb = b + o, xc = c != 0 ? c + o : 0;
    const oa = ga != 0 ? ga + o : 0, ob = gb != 0 ? gb + o : 0, oc = gc != 0 ? gc + o : 0;
    // A specialised copy for p = 2, the rest with the mode tested per element (perfectly predicted; keeps the
    // binary small). `pairs` stays a run-time flag.
    if (mode == PD_L2) gradRow<T>(PD_L2, pairs, xa, xb, xc, cols, eps, p, k0, k1, k2, k3, k4, k5, oa, ob, oc);
    else gradRowAny<T>(mode, pairs, xa, xb, xc, cols, eps, p, k0, k1, k2, k3, k4, k5, oa, ob, oc);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cosine similarity

/** acc[r] += Σ x·y, acc[rows + r] += Σ x², acc[2·rows + r] += Σ y² over each of `rows` rows of `cols`. */
// @ts-ignore: decorator
@inline function cosAcc<T>(x: usize, y: usize, rows: i32, cols: i32, acc: usize): void {
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let dot: f64 = 0, sx: f64 = 0, sy: f64 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      let d0 = f64x2.splat(0), d1 = d0, x0 = d0, x1 = d0, y0 = d0, y1 = d0;
      for (; j + 4 <= cols; j += 4) {
        const a0 = ld2<T>(xr, j), b0 = ld2<T>(yr, j), a1 = ld2<T>(xr, j + 2), b1 = ld2<T>(yr, j + 2);
        d0 = f64x2.add(d0, f64x2.mul(a0, b0));
        d1 = f64x2.add(d1, f64x2.mul(a1, b1));
        x0 = f64x2.add(x0, f64x2.mul(a0, a0));
        x1 = f64x2.add(x1, f64x2.mul(a1, a1));
        y0 = f64x2.add(y0, f64x2.mul(b0, b0));
        y1 = f64x2.add(y1, f64x2.mul(b1, b1));
      }
      for (; j + 2 <= cols; j += 2) {
        const a0 = ld2<T>(xr, j), b0 = ld2<T>(yr, j);
        d0 = f64x2.add(d0, f64x2.mul(a0, b0));
        x0 = f64x2.add(x0, f64x2.mul(a0, a0));
        y0 = f64x2.add(y0, f64x2.mul(b0, b0));
      }
      const d = f64x2.add(d0, d1), sxv = f64x2.add(x0, x1), syv = f64x2.add(y0, y1);
      dot = f64x2.extract_lane(d, 0) + f64x2.extract_lane(d, 1);
      sx = f64x2.extract_lane(sxv, 0) + f64x2.extract_lane(sxv, 1);
      sy = f64x2.extract_lane(syv, 0) + f64x2.extract_lane(syv, 1);
    }
    for (; j < cols; j++) {
      const a = ld1<T>(xr, j), b = ld1<T>(yr, j);
      dot += a * b;
      sx += a * a;
      sy += b * b;
    }
    const at = acc + (<usize>r << 3), R = <usize>rows << 3;
    store<f64>(at, load<f64>(at) + dot);
    store<f64>(at + R, load<f64>(at + R) + sx);
    store<f64>(at + 2 * R, load<f64>(at + 2 * R) + sy);
  }
}

/** gx = α·y + (β·x + β·x), gy = α·x + (γ·y + γ·y) with α = coef[r], β = coef[rows + r], γ = coef[2·rows + r]. */
// @ts-ignore: decorator
@inline function cosGrad<T>(x: usize, y: usize, rows: i32, cols: i32, coef: usize, gx: usize, gy: usize): void {
  const rowBytes = <usize>cols * sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * rowBytes;
    const xr = x + o, yr = y + o;
    const at = coef + (<usize>r << 3), R = <usize>rows << 3;
    const al = load<f64>(at), be = load<f64>(at + R), ga = load<f64>(at + 2 * R);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const A = f64x2.splat(al), B = f64x2.splat(be), G = f64x2.splat(ga);
      for (; j + 2 <= cols; j += 2) {
        const a = ld2<T>(xr, j), b = ld2<T>(yr, j);
        if (gx != 0) {
          const t = f64x2.mul(B, a);
          st2<T>(gx + o, j, f64x2.add(f64x2.mul(A, b), f64x2.add(t, t)));
        }
        if (gy != 0) {
          const t = f64x2.mul(G, b);
          st2<T>(gy + o, j, f64x2.add(f64x2.mul(A, a), f64x2.add(t, t)));
        }
      }
    }
    for (; j < cols; j++) {
      const a = ld1<T>(xr, j), b = ld1<T>(yr, j);
      if (gx != 0) {
        const t = be * a;
        st1<T>(gx + o, j, al * b + (t + t));
      }
      if (gy != 0) {
        const t = ga * b;
        st1<T>(gy + o, j, al * a + (t + t));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Exports

export function pd_acc_f32(x: usize, y: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize): void { pdAcc<f32>(x, y, rows, cols, eps, mode, p, acc); }
export function pd_acc_f64(x: usize, y: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize): void { pdAcc<f64>(x, y, rows, cols, eps, mode, p, acc); }
export function pd_acc2_f32(x: usize, y: usize, z: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize, acc2: usize): void { pdAcc2<f32>(x, y, z, rows, cols, eps, mode, p, acc, acc2); }
export function pd_acc2_f64(x: usize, y: usize, z: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, acc: usize, acc2: usize): void { pdAcc2<f64>(x, y, z, rows, cols, eps, mode, p, acc, acc2); }
export function pd_ties_f32(x: usize, y: usize, rows: i32, cols: i32, eps: f64, norm: usize, cnt: usize): void { pdTies<f32>(x, y, rows, cols, eps, norm, cnt); }
export function pd_ties_f64(x: usize, y: usize, rows: i32, cols: i32, eps: f64, norm: usize, cnt: usize): void { pdTies<f64>(x, y, rows, cols, eps, norm, cnt); }
export function pd_grad_f32(a: usize, b: usize, c: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, pairs: i32, coef: usize, ga: usize, gb: usize, gc: usize): void { triGrad<f32>(a, b, c, rows, cols, eps, mode, p, pairs, coef, ga, gb, gc); }
export function pd_grad_f64(a: usize, b: usize, c: usize, rows: i32, cols: i32, eps: f64, mode: i32, p: f64, pairs: i32, coef: usize, ga: usize, gb: usize, gc: usize): void { triGrad<f64>(a, b, c, rows, cols, eps, mode, p, pairs, coef, ga, gb, gc); }
export function cos_acc_f32(x: usize, y: usize, rows: i32, cols: i32, acc: usize): void { cosAcc<f32>(x, y, rows, cols, acc); }
export function cos_acc_f64(x: usize, y: usize, rows: i32, cols: i32, acc: usize): void { cosAcc<f64>(x, y, rows, cols, acc); }
export function cos_grad_f32(x: usize, y: usize, rows: i32, cols: i32, coef: usize, gx: usize, gy: usize): void { cosGrad<f32>(x, y, rows, cols, coef, gx, gy); }
export function cos_grad_f64(x: usize, y: usize, rows: i32, cols: i32, coef: usize, gx: usize, gy: usize): void { cosGrad<f64>(x, y, rows, cols, coef, gx, gy); }
