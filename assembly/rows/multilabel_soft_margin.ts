// MultiLabelSoftMarginLoss over rows of class scores (PyTorch 1.13's F.multilabel_soft_margin_loss: logsigmoid
// twice, the weight, a sum over the last dimension divided by C; its autograd graph for the gradients). Per element
// (x a score, y its target, w its weight, 1 without):
//   z = e^(−|x|),  L = log1p(z),  A = min(x, 0) − L = logsigmoid(x),  B = min(−x, 0) − L = logsigmoid(−x)
//   ℓ = −(y·A + (1 − y)·B)·w;   loss_r = (Σ_c ℓ_c) / C                    (the sum from +0, as PyTorch's)
// Gradients, as autograd runs the graph back (PyTorch's log_sigmoid_backward: (max_deriv − sign·q)·grad, q = z/(1+z)):
//   n = −(s·G_r·w)       s = 1/C (1/(R·C) for 'mean': the caller passes it), G_r the upstream gradient (g[r] or gs)
//   dA = x < 0 ? 1 − q : q,   dB = −x < 0 ? 1 − q : q
//   ∂/∂x = dA·(n·y) + −(dB·(n·(1 − y)))          ∂/∂y = n·A + −(n·B)
// y·A with A = 0 and y = ±∞·… follow IEEE as PyTorch's do: x = +∞ with y = 1 gives (1 − 1)·(−∞) = NaN, as 1.13.
//
// Pointer contract: x [rows, C] of T; y [rows, C] of T; w: weights of T with row stride wStride elements (0: one
// weight per class, C values; C: one per element, x's layout), or w = 0 for none; g: rows upstream gradients of T or
// 0 (then gs); out: rows losses of T (with MARGIN_WRITE_OUT); res: one float64, overwritten with Σ_r loss_r (in the
// gradient kernel only when non-zero: the fused valueAndGrad); gx, gy: x's layout (gy = 0: not wanted). Any
// alignment; nothing allocated, nothing thrown, no state.
//
// Precision: float64 throughout (float32 elements promoted exactly), each output rounded once to T, but for the
// float32 losses' L (below): targets
// outside [0, 1] (PyTorch does not check them) make y·A and (1 − y)·B cancel, as in BCE (elementwise/terms/bce.ts),
// so no float32 evaluation that is not bit-identical to PyTorch's meets the accuracy rule. e^ is math/exp.ts's
// expLseZ (relative error ≤ 8·2^-53 + |x|·1.6e-16 on [−708, 0], 0 below: a relative 1e-13 at most where it is not
// negligible against 1), log1p the [0, 1] variant below (< 1 ulp), so every term is within ~1e-13 relative of
// PyTorch's float64 value. Two float32 steps keep PyTorch's zeros where float32 underflows: z is taken as 0 where
// PyTorch's float32 e^(−|x|) is 0 (z ≤ 2^-150, |x| ≳ 103.97), so terms that are exactly zero in PyTorch are exactly
// zero here too; and a float32 gradient that rounds to zero is computed as PyTorch adds its two autograd paths,
// each rounded to float32 first (fl(dA·n·y) + fl(−dB·n·(1 − y))), which gives PyTorch's sign of that zero (the
// float64 sum of two terms that underflow separately would give the sign of the larger). Constants are loaded from
// static memory inside the loops (V8 rebuilds a v128.const at every use).
// float32 losses (the loss kernel and the fused total, not the gradients): for an element with y ∈ [0, 1],
// |x| ≤ 87.33 and w ≥ 0, L is the float32 softplus tail (math/softplus.ts softplusTailF4, measured ≤ 1.13 ulp over
// every float32 |x| ≤ 87.33), promoted: there ℓ = L + y·max(−x, 0) + (1 − y)·max(x, 0) is a sum of non-negative
// terms that moves with L one for one (ℓ's error is L's, ≤ 1.13 ulp of ℓ), and the row a sum of non-negative
// w·ℓ, so the float32 row loss is within ~1.13 + 0.5 ulp. Every other element (targets outside [0, 1], whose two
// products cancel; negative weights, which can cancel across the row; |x| beyond the tail's range; NaN) takes the
// float64 L above; a group of four with such an element computes both and selects per element, so the lanes,
// the tail and the scalar build make the same choice element by element.
// Lanes: f32 rows 4 elements per v128 (two promoted f64x2 halves), f64 rows 2; a scalar tail with the same
// operations (expLseZ1, log1pUnit1: bit-identical twins of the lane functions). In the SIMD build a float32 row's
// loss takes its last 1–3 elements' float32 tails from one softplusTailF4 of the row's last four elements (rowTails),
// the same bits as softplusTailF1 per element, at a vector's cost instead of up to three scalar tails (C = 10: the
// scalar tails were two elements in ten and about a quarter of the kernel's time); the float64 steps stay scalar, in
// the same order.
// A float32 loss with no weight and no per-row output (the reduced 'mean' and 'sum') needs only Σ_r loss_r =
// (Σ_i ℓ_i)/C, so it is one flat pass over the block's rows·C elements (flatTotal32) with each ℓ_i computed as above:
// runs of vectors whose four lanes take the float32 tail are software-pipelined (the split exp of the next vector
// beside the log1p of the current one, as ../elementwise/driver.ts's pipeSum; 2.4× the row loop at C = 10), and
// the float64 total differs from the row-by-row one only in its summation order.
import { MARGIN_WRITE_OUT } from './class_rows';
import { elemAt, putLoss } from './hinge';
import { hi64, hsum, lo64, pack32 } from '../lanes';
import { expLseZ1, expLseZ2x } from '../math/exp';
import { expSplitF4, log1pSplitF4, softplusTailF1, softplusTailF4 } from '../math/softplus';

/** 87.33 (ln 2^-126, rounded up): the float32 softplus tail's range. */
const TAIL_MAX: f32 = 87.33654;

/** 2^-150: float32 rounds any positive value up to it to 0 (it is the tie between 0 and 2^-149, and ties go even). */
const F32_ZERO: f64 = reinterpret<f64>(0x3690000000000000);
const SQRT2: f64 = 1.4142135623730951;
/** The float32 sign bit in both halves of a float64: four float32 lanes' sign bits as an f64x2 constant. */
const SIGN32: f64 = reinterpret<f64>(0x8000000080000000);
// fdlibm's log: ln2 in two parts (LN2_HI has trailing zero bits, so k·LN2_HI is exact) and the Remez coefficients
// of R(s²) ≈ log(1 + s) − log(1 − s) − 2s over |s| ≤ 0.1716 (error < 2^-58.45).
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;

// The constants as f64x2 pairs in static memory, read with v128.load inside the loops (V8 rebuilds a v128.const
// at every use instead of hoisting it: see assembly/math/exp.ts, LSE_K).
const K: usize = memory.data<f64>([
  0.0, 0.0, 1.0, 1.0, 0.5, 0.5, 2.0, 2.0, SQRT2, SQRT2, F32_ZERO, F32_ZERO, LN2_HI, LN2_HI, LN2_LO, LN2_LO,
  LG1, LG1, LG2, LG2, LG3, LG3, LG4, LG4, LG5, LG5, LG6, LG6, LG7, LG7, SIGN32, SIGN32,
], 16);
const K_ZERO = 0, K_ONE = 1, K_HALF = 2, K_TWO = 3, K_SQRT2 = 4, K_F32Z = 5, K_LN2HI = 6, K_LN2LO = 7, K_LG = 8;
const K_SIGN32 = 15;

/** Constant i of K in both lanes (one load). */
// @ts-ignore: decorator
@inline function k2(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

// ---------------------------------------------------------------------------------------------------------------
// log1p on [0, 1]
//
// L = log1p(z) for z = e^(−|x|) ∈ [0, 1] (or NaN), cheaper than math/log.ts's general log1p: u = 1 + z lies in
// [1, 2], so the range reduction is k ∈ {0, 1} (f = u − 1, or u/2 − 1 from √2 up; both exact) with no bit
// manipulation, then fdlibm's core log(1 + f) = k·ln2_hi + (f − hfsq + s·(hfsq + R(s²)) + k·ln2_lo), s = f/(2 + f)
// (< 1 ulp), plus log1p's correction c/u for the bits of z that 1 + z dropped (c = z − (u − 1), exact), with 1/u
// taken as (1 − f + f²)·2^-k: c/u matters only where f is tiny, and there that is 1/u to f³ (elsewhere |c/u| ≤
// 2^-53 against L ≥ 0.34). log1p(0) = +0, NaN stays NaN.

// @ts-ignore: decorator
@inline function log1pUnit2x(z: v128): v128 {
  const one = k2(K_ONE), half = k2(K_HALF);
  const u = f64x2.add(one, z);
  const c = f64x2.sub(z, f64x2.sub(u, one));
  const hi = f64x2.ge(u, k2(K_SQRT2));
  const f = v128.bitselect(f64x2.sub(f64x2.mul(half, u), one), f64x2.sub(u, one), hi);
  const k = v128.and(one, hi);
  const s = f64x2.div(f, f64x2.add(k2(K_TWO), f));
  const z2 = f64x2.mul(s, s), w = f64x2.mul(z2, z2);
  const t1 = f64x2.mul(w, f64x2.add(k2(K_LG + 1), f64x2.mul(w, f64x2.add(k2(K_LG + 3), f64x2.mul(w, k2(K_LG + 5))))));
  const t2 = f64x2.mul(z2, f64x2.add(k2(K_LG), f64x2.mul(w, f64x2.add(k2(K_LG + 2),
    f64x2.mul(w, f64x2.add(k2(K_LG + 4), f64x2.mul(w, k2(K_LG + 6))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(half, f), f);
  const lg = f64x2.sub(f64x2.mul(k, k2(K_LN2HI)),
    f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(k, k2(K_LN2LO)))), f));
  const r = f64x2.mul(f64x2.add(f64x2.sub(one, f), f64x2.mul(f, f)), v128.bitselect(half, one, hi));
  return f64x2.add(lg, f64x2.mul(c, r));
}

/** Scalar twin of log1pUnit2x (the same operations in the same order). */
// @ts-ignore: decorator
@inline function log1pUnit1(z: f64): f64 {
  const u = 1.0 + z;
  const c = z - (u - 1.0);
  const hi = u >= SQRT2;
  const f = hi ? 0.5 * u - 1.0 : u - 1.0;
  const k = hi ? 1.0 : 0.0;
  const s = f / (2.0 + f);
  const z2 = s * s, w = z2 * z2;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z2 * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  const hfsq = 0.5 * f * f;
  const lg = k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - f);
  const r = ((1.0 - f) + f * f) * (hi ? 0.5 : 1.0);
  return lg + c * r;
}

// ---------------------------------------------------------------------------------------------------------------
// One element, on f64x2 lanes and scalar (the same operations in the same order)

/**
 * z = e^(−|x|): math/exp.ts's expLseZ (argument ≤ 0; exactly 0 below −708), NaN for a NaN x (expLse does not carry
 * NaN), and 0 where float32's e^(−|x|) is 0 (T = f32).
 */
// @ts-ignore: decorator
@inline function zLanes<T>(x: v128): v128 {
  const z = v128.bitselect(x, expLseZ2x(f64x2.neg(f64x2.abs(x))), f64x2.ne(x, x));
  return sizeof<T>() == 4 ? v128.andnot(z, f64x2.le(z, k2(K_F32Z))) : z;
}
// @ts-ignore: decorator
@inline function z1<T>(x: f64): f64 {
  const z = x != x ? x : expLseZ1(-abs(x));
  return sizeof<T>() == 4 && z <= F32_ZERO ? 0.0 : z;
}

/** ℓ = −(y·A + (1 − y)·B) from x, y and L = log1p(z) (times w by the caller). */
// @ts-ignore: decorator
@inline function valueLanes(x: v128, y: v128, L: v128): v128 {
  const zero = k2(K_ZERO);
  const A = f64x2.sub(f64x2.min(x, zero), L), B = f64x2.sub(f64x2.min(f64x2.neg(x), zero), L);
  return f64x2.neg(f64x2.add(f64x2.mul(y, A), f64x2.mul(f64x2.sub(k2(K_ONE), y), B)));
}
// @ts-ignore: decorator
@inline function value1(x: f64, y: f64, L: f64): f64 {
  const A = min(x, 0.0) - L, B = min(-x, 0.0) - L;
  return -(y * A + (1.0 - y) * B);
}

/** Lanes of a float32 group whose L may be the float32 tail: y ∈ [0, 1], |x| ≤ 87.33, w ≥ 0 (see the header). */
// @ts-ignore: decorator
@inline function fastLanes(xv: v128, yv: v128, wv: v128): v128 {
  const zero = f32x4.splat(0);
  return v128.and(v128.and(f32x4.ge(yv, zero), f32x4.le(yv, f32x4.splat(1))),
    v128.and(f32x4.le(f32x4.abs(xv), f32x4.splat(TAIL_MAX)), f32x4.ge(wv, zero)));
}

/** One f64x2 half's L for the float32 loss: the promoted tail where `fast` (i64 lanes), the float64 L elsewhere. */
// @ts-ignore: decorator
@inline function lossLHalf(x: v128, tail: v128, fast: v128, allFast: bool): v128 {
  return allFast ? tail : v128.bitselect(tail, log1pUnit2x(zLanes<f32>(x)), fast);
}

/** The scalar twin: L of one element for the loss (T = f32: the tail where allowed). */
// @ts-ignore: decorator
@inline function lossL1<T>(x: f64, y: f64, w: f64): f64 {
  if (sizeof<T>() == 4 && y >= 0 && y <= 1 && abs(x) <= <f64>TAIL_MAX && w >= 0) return <f64>softplusTailF1(<f32>x);
  return log1pUnit1(z1<T>(x));
}

/** lossL1<f32> with the float32 tail of the element given (lane 0 of `tail`, a softplusTailF4 lane: the same bits). */
// @ts-ignore: decorator
@inline function lossL1Lane(x: f64, y: f64, w: f64, tail: v128): f64 {
  if (y >= 0 && y <= 1 && abs(x) <= <f64>TAIL_MAX && w >= 0) return <f64>f32x4.extract_lane(tail, 0);
  return log1pUnit1(z1<f32>(x));
}

/**
 * The float32 tails of a float32 row's last elements c … C − 1 (1 to 3 of them, C ≥ 4) in one vector: softplusTailF4
 * of the row's last four elements (the first ones again), rotated so that element c is lane 0 (then c + 1, …): one
 * vector instead of up to three scalar tails per row (C = 10: two per row, a fifth of the elements).
 */
// @ts-ignore: decorator
@inline function rowTails(x: usize, c: i32, C: i32): v128 {
  const t = softplusTailF4(v128.load(x + (<usize>(C - 4) << 2)));
  const left = C - c;
  return left == 3 ? i32x4.shuffle(t, t, 1, 2, 3, 0) : left == 2 ? i32x4.shuffle(t, t, 2, 3, 0, 1) : i32x4.shuffle(t, t, 3, 0, 1, 2);
}

/** The next element's tail in lane 0. */
// @ts-ignore: decorator
@inline function nextTail(t: v128): v128 {
  return i32x4.shuffle(t, t, 1, 2, 3, 0);
}

/** The x-path through logsigmoid(x): dA·(n·y). */
// @ts-ignore: decorator
@inline function gaLanes(x: v128, q: v128, ny: v128): v128 {
  return f64x2.mul(v128.bitselect(f64x2.sub(k2(K_ONE), q), q, f64x2.lt(x, k2(K_ZERO))), ny);
}
// @ts-ignore: decorator
@inline function ga1(x: f64, q: f64, ny: f64): f64 {
  return (x < 0 ? 1.0 - q : q) * ny;
}

/** The path through logsigmoid(−x), negated: −(dB·(n·(1 − y))). */
// @ts-ignore: decorator
@inline function gbLanes(x: v128, q: v128, n1y: v128): v128 {
  return f64x2.neg(f64x2.mul(v128.bitselect(f64x2.sub(k2(K_ONE), q), q, f64x2.gt(x, k2(K_ZERO))), n1y));
}
// @ts-ignore: decorator
@inline function gb1(x: f64, q: f64, n1y: f64): f64 {
  return -((x > 0 ? 1.0 - q : q) * n1y);
}

/** The target's gradient n·A + −(n·B) from A, B (both from L). */
// @ts-ignore: decorator
@inline function gyaLanes(x: v128, L: v128, n: v128): v128 {
  return f64x2.mul(n, f64x2.sub(f64x2.min(x, k2(K_ZERO)), L));
}
// @ts-ignore: decorator
@inline function gybLanes(x: v128, L: v128, n: v128): v128 {
  return f64x2.neg(f64x2.mul(n, f64x2.sub(f64x2.min(f64x2.neg(x), k2(K_ZERO)), L)));
}

/** The sum a + b rounded to T; for T = f32 a zero takes PyTorch's sign: fl(a) + fl(b) in float32. */
// @ts-ignore: decorator
@inline function sum1<T>(a: f64, b: f64): T {
  if (sizeof<T>() == 4) {
    const r = <f32>(a + b);
    return <T>(r == 0 ? <f32>a + <f32>b : r);
  }
  return <T>(a + b);
}

/** Four float32 sums a + b (lo: lanes 0–1, hi: 2–3), zeros with PyTorch's sign as sum1. */
// @ts-ignore: decorator
@inline function pack32Sum(aLo: v128, bLo: v128, aHi: v128, bHi: v128): v128 {
  const r = pack32(f64x2.add(aLo, bLo), f64x2.add(aHi, bHi));
  const split = f32x4.add(pack32(aLo, aHi), pack32(bLo, bHi));
  return v128.bitselect(split, r, f32x4.eq(r, k2(K_ZERO)));
}

// ---------------------------------------------------------------------------------------------------------------
// Loss

/** Σ of one float32 vector's four w·ℓ as an f64x2 (lanes 0 + 2, 1 + 3), each ℓ as lossL1 chooses its L. */
// @ts-ignore: decorator
@inline function vector32(xv: v128, yv: v128, wv: v128, weighted: bool): v128 {
  const xl = lo64(xv), xh = hi64(xv);
  const fast = fastLanes(xv, yv, wv), tail = softplusTailF4(xv), allFast = i32x4.all_true(fast);
  let vl = valueLanes(xl, lo64(yv), lossLHalf(xl, lo64(tail), i64x2.extend_low_i32x4_s(fast), allFast));
  let vh = valueLanes(xh, hi64(yv), lossLHalf(xh, hi64(tail), i64x2.extend_high_i32x4_s(fast), allFast));
  if (weighted) {
    vl = f64x2.mul(vl, lo64(wv));
    vh = f64x2.mul(vh, hi64(wv));
  }
  return f64x2.add(vl, vh);
}

/**
 * valueLanes for lanes whose x is finite: min(v, 0) as pmin(v, 0) (one instruction instead of IEEE min's NaN and
 * signed-zero handling; for non-NaN v, −0 included, the same value), so the same bits.
 */
// @ts-ignore: decorator
@inline function valueLanesFinite(x: v128, y: v128, L: v128): v128 {
  const zero = k2(K_ZERO);
  const A = f64x2.sub(f64x2.pmin(x, zero), L), B = f64x2.sub(f64x2.pmin(f64x2.neg(x), zero), L);
  return f64x2.neg(f64x2.add(f64x2.mul(y, A), f64x2.mul(f64x2.sub(k2(K_ONE), y), B)));
}

/** vector32 of an all-fast, unweighted vector from its split e^(−|x|) = hi + lo (the tail's last stage here). */
// @ts-ignore: decorator
@inline function fastBack(xv: v128, yv: v128, hi: v128, lo: v128): v128 {
  const L = log1pSplitF4(hi, lo); // softplusTailF4's bits: softplusTailNegF4 is log1pSplitF4 of the two halves
  return f64x2.add(valueLanesFinite(lo64(xv), lo64(yv), lo64(L)), valueLanesFinite(hi64(xv), hi64(yv), hi64(L)));
}

/**
 * Σ ℓ over n contiguous float32 elements without weights, each ℓ as rowValue computes it: the unweighted float32
 * total (Σ_r loss_r = this/C), for which the rows need not be walked one by one. SIMD: a run of vectors whose four
 * lanes all take the float32 tail is software-pipelined (as ../elementwise/driver.ts's pipeSum): the split
 * e^(−|x|) of vector j is computed beside the log1p and float64 value of vector j − 1, two independent chains per
 * iteration (the tail's exp → log1p latency, not its operation count, bounds the unpipelined loop); other vectors
 * as rowValue's; the last n mod 4 elements by its scalar tail.
 */
// @ts-ignore: decorator
@inline function flatTotal32(x: usize, y: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const ones = f32x4.splat(1);
    let acc = k2(K_ZERO);
    while (i + 4 <= n) {
      const xv = v128.load(x + (<usize>i << 2)), yv = v128.load(y + (<usize>i << 2));
      if (!i32x4.all_true(fastLanes(xv, yv, ones))) {
        acc = f64x2.add(acc, vector32(xv, yv, ones, false));
        i += 4;
        continue;
      }
      const a = v128.or(xv, k2(K_SIGN32)); // −|x|
      let hi = expSplitF4(a, false), lo = expSplitF4(a, true);
      let j = i + 4;
      for (; j + 4 <= n; j += 4) {
        const x2 = v128.load(x + (<usize>j << 2)), y2 = v128.load(y + (<usize>j << 2));
        if (!i32x4.all_true(fastLanes(x2, y2, ones))) break;
        const a2 = v128.or(x2, k2(K_SIGN32));
        const hi2 = expSplitF4(a2, false), lo2 = expSplitF4(a2, true);
        const back = <usize>(j - 4) << 2;
        acc = f64x2.add(acc, fastBack(v128.load(x + back), v128.load(y + back), hi, lo));
        hi = hi2;
        lo = lo2;
      }
      const back = <usize>(j - 4) << 2;
      acc = f64x2.add(acc, fastBack(v128.load(x + back), v128.load(y + back), hi, lo));
      i = j;
    }
    s = hsum(acc);
  }
  for (; i < n; i++) {
    const xc = elemAt<f32>(x, i), yc = elemAt<f32>(y, i);
    s += value1(xc, yc, lossL1<f32>(xc, yc, 1.0));
  }
  return s;
}

/** Σ_c ℓ_c·w_c of one row (its loss times C). */
// @ts-ignore: decorator
@inline function rowValue<T>(x: usize, y: usize, w: usize, C: i32): f64 {
  let c = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = k2(K_ZERO);
    if (sizeof<T>() == 4) {
      const ones = f32x4.splat(1);
      for (; c + 4 <= C; c += 4) {
        const off = <usize>c << 2;
        const wv = w != 0 ? v128.load(w + off) : ones;
        acc = f64x2.add(acc, vector32(v128.load(x + off), v128.load(y + off), wv, w != 0));
      }
    } else {
      for (; c + 2 <= C; c += 2) {
        const off = <usize>c << 3;
        const xv = v128.load(x + off);
        let v = valueLanes(xv, v128.load(y + off), log1pUnit2x(zLanes<T>(xv)));
        if (w != 0) v = f64x2.mul(v, v128.load(w + off));
        acc = f64x2.add(acc, v);
      }
    }
    s = hsum(acc);
    if (sizeof<T>() == 4 && C >= 4 && c < C) {
      let tail = rowTails(x, c, C);
      for (; c < C; c++) {
        const xc = elemAt<T>(x, c), yc = elemAt<T>(y, c), wc = w != 0 ? elemAt<T>(w, c) : 1.0;
        let v = value1(xc, yc, lossL1Lane(xc, yc, wc, tail));
        if (w != 0) v *= wc;
        s += v;
        tail = nextTail(tail);
      }
    }
  }
  for (; c < C; c++) {
    const xc = elemAt<T>(x, c), yc = elemAt<T>(y, c), wc = w != 0 ? elemAt<T>(w, c) : 1.0;
    let v = value1(xc, yc, lossL1<T>(xc, yc, wc));
    if (w != 0) v *= wc;
    s += v;
  }
  return s;
}

// @ts-ignore: decorator
@inline function loss<T>(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, flags: i32, out: usize, res: usize,
): void {
  const write = (flags & MARGIN_WRITE_OUT) != 0;
  const invC = 1.0 / <f64>C;
  if (sizeof<T>() == 4 && !write && w == 0) {
    store<f64>(res, flatTotal32(x, y, rows * C) * invC);
    return;
  }
  const rowBytes = <usize>C * sizeof<T>();
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const wr = w == 0 ? 0 : w + <usize>r * <usize>wStride * sizeof<T>();
    const v = rowValue<T>(x + off, y + off, wr, C) * invC;
    total += v;
    if (write) putLoss<T>(out, r, v);
  }
  store<f64>(res, total);
}

/** MultiLabelSoftMargin losses of float32 rows: res[0] = Σ_r loss_r, each loss_r to `out` with MARGIN_WRITE_OUT. */
export function multilabel_soft_margin_loss_f32(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, flags: i32, out: usize, res: usize,
): void {
  loss<f32>(x, y, w, wStride, rows, C, flags, out, res);
}
/** multilabel_soft_margin_loss_f32 over float64 rows, targets and weights. */
export function multilabel_soft_margin_loss_f64(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, flags: i32, out: usize, res: usize,
): void {
  loss<f64>(x, y, w, wStride, rows, C, flags, out, res);
}

// ---------------------------------------------------------------------------------------------------------------
// Gradient

/**
 * One row's gradients into gx (and gy when non-zero) with sG = s·G_r; returns Σ_c ℓ_c·w_c when `fused` (else 0).
 */
// @ts-ignore: decorator
@inline function rowGrad<T>(
  x: usize, y: usize, w: usize, C: i32, sG: f64, gx: usize, gy: usize, fused: bool,
): f64 {
  let c = 0;
  let s: f64 = 0;
  const wantL = fused || gy != 0;
  if (ASC_FEATURE_SIMD) {
    const one = k2(K_ONE), vsG = f64x2.splat(sG), nsG = f64x2.neg(vsG);
    let acc = k2(K_ZERO);
    if (sizeof<T>() == 4) {
      for (; c + 4 <= C; c += 4) {
        const off = <usize>c << 2;
        const xv = v128.load(x + off), yv = v128.load(y + off);
        const xl = lo64(xv), xh = hi64(xv), yl = lo64(yv), yh = hi64(yv);
        let nl = nsG, nh = nsG;
        let wl = one, wh = one;
        if (w != 0) {
          const wv = v128.load(w + off);
          wl = lo64(wv);
          wh = hi64(wv);
          nl = f64x2.neg(f64x2.mul(vsG, wl));
          nh = f64x2.neg(f64x2.mul(vsG, wh));
        }
        const zl = zLanes<T>(xl), zh = zLanes<T>(xh);
        const ql = f64x2.div(zl, f64x2.add(one, zl)), qh = f64x2.div(zh, f64x2.add(one, zh));
        v128.store(gx + off, pack32Sum(
          gaLanes(xl, ql, f64x2.mul(nl, yl)), gbLanes(xl, ql, f64x2.mul(nl, f64x2.sub(one, yl))),
          gaLanes(xh, qh, f64x2.mul(nh, yh)), gbLanes(xh, qh, f64x2.mul(nh, f64x2.sub(one, yh)))));
        if (wantL) {
          const Ll = log1pUnit2x(zl), Lh = log1pUnit2x(zh);
          if (gy != 0) {
            v128.store(gy + off, pack32Sum(gyaLanes(xl, Ll, nl), gybLanes(xl, Ll, nl), gyaLanes(xh, Lh, nh),
              gybLanes(xh, Lh, nh)));
          }
          if (fused) {
            const fast = fastLanes(xv, yv, w != 0 ? v128.load(w + off) : f32x4.splat(1));
            const tail = softplusTailF4(xv), allFast = i32x4.all_true(fast);
            const vLl = allFast ? lo64(tail) : v128.bitselect(lo64(tail), Ll, i64x2.extend_low_i32x4_s(fast));
            const vLh = allFast ? hi64(tail) : v128.bitselect(hi64(tail), Lh, i64x2.extend_high_i32x4_s(fast));
            let vl = valueLanes(xl, yl, vLl), vh = valueLanes(xh, yh, vLh);
            if (w != 0) {
              vl = f64x2.mul(vl, wl);
              vh = f64x2.mul(vh, wh);
            }
            acc = f64x2.add(acc, f64x2.add(vl, vh));
          }
        }
      }
    } else {
      for (; c + 2 <= C; c += 2) {
        const off = <usize>c << 3;
        const xv = v128.load(x + off), yv = v128.load(y + off);
        let n = nsG, wv = one;
        if (w != 0) {
          wv = v128.load(w + off);
          n = f64x2.neg(f64x2.mul(vsG, wv));
        }
        const z = zLanes<T>(xv);
        const q = f64x2.div(z, f64x2.add(one, z));
        v128.store(gx + off, f64x2.add(gaLanes(xv, q, f64x2.mul(n, yv)), gbLanes(xv, q, f64x2.mul(n, f64x2.sub(one, yv)))));
        if (wantL) {
          const L = log1pUnit2x(z);
          if (gy != 0) v128.store(gy + off, f64x2.add(gyaLanes(xv, L, n), gybLanes(xv, L, n)));
          if (fused) {
            let v = valueLanes(xv, yv, L);
            if (w != 0) v = f64x2.mul(v, wv);
            acc = f64x2.add(acc, v);
          }
        }
      }
    }
    s = hsum(acc);
  }
  for (; c < C; c++) {
    const xc = elemAt<T>(x, c), yc = elemAt<T>(y, c);
    const wc = w != 0 ? elemAt<T>(w, c) : 1.0;
    const n = w != 0 ? -(sG * wc) : -sG;
    const z = z1<T>(xc);
    const q = z / (1.0 + z);
    store<T>(gx + (<usize>c * sizeof<T>()), sum1<T>(ga1(xc, q, n * yc), gb1(xc, q, n * (1.0 - yc))));
    if (wantL) {
      const L = log1pUnit1(z);
      if (gy != 0) store<T>(gy + (<usize>c * sizeof<T>()), sum1<T>(n * (min(xc, 0.0) - L), -(n * (min(-xc, 0.0) - L))));
      if (fused) {
        let v = value1(xc, yc, sizeof<T>() == 4 ? lossL1<T>(xc, yc, wc) : L);
        if (w != 0) v *= wc;
        s += v;
      }
    }
  }
  return s;
}

// @ts-ignore: decorator
@inline function grad<T>(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, s: f64, g: usize, gs: f64, gx: usize, gy: usize,
  res: usize,
): void {
  const invC = 1.0 / <f64>C;
  const rowBytes = <usize>C * sizeof<T>();
  const fused = res != 0;
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const wr = w == 0 ? 0 : w + <usize>r * <usize>wStride * sizeof<T>();
    const G = g == 0 ? gs : elemAt<T>(g, r);
    const v = rowGrad<T>(x + off, y + off, wr, C, s * G, gx + off, gy == 0 ? 0 : gy + off, fused);
    total += v * invC;
  }
  if (fused) store<f64>(res, total);
}

/**
 * ∂loss/∂x (into gx) and ∂loss/∂y (into gy, when non-zero) of MultiLabelSoftMargin over float32 rows, scaled by s
 * (1/C, or 1/(R·C) for 'mean') and the upstream gradient (g[r] when g != 0, else gs). With res != 0 also writes
 * res[0] = Σ_r loss_r (the fused valueAndGrad).
 */
export function multilabel_soft_margin_backward_f32(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, s: f64, g: usize, gs: f64, gx: usize, gy: usize,
  res: usize,
): void {
  grad<f32>(x, y, w, wStride, rows, C, s, g, gs, gx, gy, res);
}
/** multilabel_soft_margin_backward_f32 over float64 rows, targets, weights, g, gx and gy. */
export function multilabel_soft_margin_backward_f64(
  x: usize, y: usize, w: usize, wStride: i32, rows: i32, C: i32, s: f64, g: usize, gs: f64, gx: usize, gy: usize,
  res: usize,
): void {
  grad<f64>(x, y, w, wStride, rows, C, s, g, gs, gx, gy, res);
}
