// float32 log1p on [0, 1] and the softplus tail log1p(e^(−|x|)) on four float32 lanes, with scalar twins that
// perform the same IEEE operations in the same order (a lane, a scalar tail and the scalar build give the same
// bits). For the float32 values of the logistic losses (BCEWithLogits, SoftMargin): softplus(v) = max(v, 0) +
// log1p(e^(−|v|)) is a sum of two non-negative terms, so float32 lanes lose nothing to cancellation there.
//
// log1p(t), t ∈ [0, 1] (or NaN): u = fl32(1 + t) ∈ [1, 2] and c = t − (u − 1), the exact rounding error of 1 + t
// (Fast2Sum, |t| ≤ 1); log u by musl's logf core with the range reduction reduced to k ∈ {0, 1}: f = u − 1, or
// u/2 − 1 from √2 up (both exact, Sterbenz), s = f/(2 + f), R(s²) musl's degree-4 polynomial,
//   log u = k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo)) − f),  hfsq = f²/2;
// then + c/u, the bits of t that 1 + t dropped, with 1/u taken as (1 − f + f²)·2^-k (the correction matters only
// where f is tiny, and there that is 1/u to f³; elsewhere |c/u| ≤ 2^-24 against log u ≥ 0.34): log1p(0) = +0,
// log1p(t) = t for t < 2^-24 (u = 1, f = 0), NaN stays NaN. No special cases, no division but s.
// Bound: within 1 ulp of log1p (test/log1p.test.ts: every float32 in [0, 1] with SIMDLOSS_EXHAUSTIVE=1, a dense
// sweep by default).
//
// softplusTailF4(x) = log1p(e^(−|x|)) for |x| ≤ 87.33 (ln 2^-126; e^(−|x|) by exp.ts's expMinusF4, ≤ 1 ulp): the
// exp's relative error δ reaches the result damped by e/((1 + e)·log1p(e)) ≤ 1, so the tail is within 1 ulp
// (exp) + 1 ulp (log1p) + rounding, and measured by test/log1p.test.ts over every float32 |x| in that range.
// Beyond 87.33 expMinusF4 returns e^-87.33 instead of a smaller or subnormal value, so callers take another
// path there (the terms fall back to float64).
//
// Constants are loaded from static memory inside the loops (V8 rebuilds a v128.const at every use instead of
// hoisting it; exp.ts, LSE_K).

// exp.ts's expMinusF4 reduction for the split exp: its constants (expK4, M_*; scalar twins by name) and its polynomial
// (expPolyF4 / expPolyF1).
import {
  expK4, expPolyF1, expPolyF4, LN2_HI_M, LN2_LO_M, LOG2E_F as LOG2E_M, M_HI, M_LO, M_LOG2E, M_MAGIC, M_XMIN,
  MAGIC_M, XMIN_M,
} from './exp';

const SQRT2_F: f32 = 1.4142135623730951;
const LN2_HI_F: f32 = 6.9313812256e-01; // 0x3f317180: k·LN2_HI_F exact for k ∈ {0, 1}
const LN2_LO_F: f32 = 9.0580006145e-06; // 0x3717f7d1
const LG1_F: f32 = 0.66666662693; // musl logf's Lg1 … Lg4
const LG2_F: f32 = 0.40000972152;
const LG3_F: f32 = 0.28498786688;
const LG4_F: f32 = 0.24279078841;

const EXP1_F: f32 = reinterpret<f32>(0x00800000); // the lowest exponent bit: 1.0's bits minus it are 0.5's
const L1P_K: usize = memory.data<f32>([
  1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2, SQRT2_F, SQRT2_F, SQRT2_F, SQRT2_F,
  LN2_HI_F, LN2_HI_F, LN2_HI_F, LN2_HI_F, LN2_LO_F, LN2_LO_F, LN2_LO_F, LN2_LO_F,
  LG1_F, LG1_F, LG1_F, LG1_F, LG2_F, LG2_F, LG2_F, LG2_F, LG3_F, LG3_F, LG3_F, LG3_F, LG4_F, LG4_F, LG4_F, LG4_F,
  EXP1_F, EXP1_F, EXP1_F, EXP1_F, -0.0, -0.0, -0.0, -0.0,
], 16);
const K_ONE = 0, K_HALF = 1, K_TWO = 2, K_SQRT2 = 3, K_HI = 4, K_LO = 5, K_LG = 6, K_EXP1 = 10, K_SIGN = 11;

/** Constant `i` of L1P_K in all four lanes (one load). */
// @ts-ignore: decorator
@inline function k4(i: i32): v128 {
  return v128.load(L1P_K + (<usize>i << 4));
}

/**
 * log1p(t + tlo) on four float32 lanes, t ∈ [0, 1] or NaN, |tlo| ≤ ulp(t) (see the header). Exported for the
 * two-stage form of the softplus terms (SoftMargin, BCEWithLogits: their split exp, then this; ../elementwise/driver.ts).
 */
// @ts-ignore: decorator
@inline export function log1pSplitF4(t: v128, tlo: v128): v128 {
  const one = k4(K_ONE), half = k4(K_HALF);
  const u = f32x4.add(one, t);
  const c = f32x4.add(f32x4.sub(t, f32x4.sub(u, one)), tlo);
  const hi = f32x4.ge(u, k4(K_SQRT2));
  const f = v128.bitselect(f32x4.sub(f32x4.mul(half, u), one), f32x4.sub(u, one), hi);
  const s = f32x4.div(f, f32x4.add(k4(K_TWO), f));
  const z = f32x4.mul(s, s), w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(k4(K_LG + 1), f32x4.mul(w, k4(K_LG + 3))));
  const t2 = f32x4.mul(z, f32x4.add(k4(K_LG), f32x4.mul(w, k4(K_LG + 2))));
  const R = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(half, f), f);
  // 2^-k (1, or 0.5 where k = 1): 1's exponent field lowered by one under the mask, two integer operations.
  const r = f32x4.mul(f32x4.add(f32x4.sub(one, f), f32x4.mul(f, f)), i32x4.sub(one, v128.and(hi, k4(K_EXP1))));
  // k·ln2_lo and k·ln2_hi for k ∈ {0, 1}: the constant or +0, selected by the mask (the products' values).
  const small = f32x4.add(f32x4.sub(f32x4.mul(c, r), hfsq), f32x4.add(f32x4.mul(s, f32x4.add(hfsq, R)), v128.and(hi, k4(K_LO))));
  return f32x4.add(v128.and(hi, k4(K_HI)), f32x4.add(f, small));
}

/** Scalar twin of `log1pSplitF4` (the same operations in the same order). */
// @ts-ignore: decorator
@inline function log1pSplitF1(t: f32, tlo: f32): f32 {
  const u = <f32>1 + t;
  const c = (t - (u - <f32>1)) + tlo;
  const hi = u >= SQRT2_F;
  const f = hi ? <f32>0.5 * u - <f32>1 : u - <f32>1;
  const s = f / (<f32>2 + f);
  const z = s * s, w = z * z;
  const t1 = w * (LG2_F + w * LG4_F);
  const t2 = z * (LG1_F + w * LG3_F);
  const R = t2 + t1;
  const hfsq = <f32>0.5 * f * f;
  const r = ((<f32>1 - f) + f * f) * (hi ? <f32>0.5 : <f32>1);
  const small = (c * r - hfsq) + (s * (hfsq + R) + (hi ? LN2_LO_F : <f32>0));
  return (hi ? LN2_HI_F : <f32>0) + (f + small);
}

/** log1p(t) on four float32 lanes, t ∈ [0, 1] or NaN (see the header). */
// @ts-ignore: decorator
@inline export function log1pUnitF4(t: v128): v128 {
  return log1pSplitF4(t, f32x4.splat(0));
}

/** Scalar twin of `log1pUnitF4`. */
// @ts-ignore: decorator
@inline export function log1pUnitF1(t: f32): f32 {
  return log1pSplitF1(t, 0);
}

/**
 * e^a on four float32 lanes for a ∈ [−87.33, 88] as hi + lo (`lo` false: hi, true: lo): expMinusF4's reduction and
 * polynomial (exp.ts) with the roundings of its last steps kept: r = fl(r1 − n·LN2_LO) and its error rlo,
 * v = fl(r + q·r²) and its error, p = fl(1 + v) and its error (Fast2Sum each), so hi = p·2^n and lo = plo·2^n
 * (both exact scalings) carry e^a to 0.3·2^-24 relative on [−80, 88] (measured 0.29 by test/log1p.test.ts; up
 * to 1·2^-24 below −80, where lo underflows), where the rounded exp errs by up to 0.954 ulp. The two halves are
 * separate calls of the same inlined code (the optimizer shares it).
 */
// @ts-ignore: decorator
@inline export function expSplitF4(x: v128, lo: bool): v128 {
  const a = f32x4.pmax(x, expK4(M_XMIN));
  const magic = expK4(M_MAGIC);
  const kn = f32x4.add(f32x4.mul(a, expK4(M_LOG2E)), magic);
  const scale = i32x4.shl(kn, 23);
  const n = f32x4.sub(kn, magic);
  const r1 = f32x4.sub(a, f32x4.mul(n, expK4(M_HI)));
  const nl = f32x4.mul(n, expK4(M_LO));
  const r = f32x4.sub(r1, nl);
  const rlo = f32x4.sub(f32x4.sub(r1, r), nl);
  const q = expPolyF4(r);
  const w = f32x4.mul(q, f32x4.mul(r, r));
  const v = f32x4.add(r, w);
  const one = k4(K_ONE);
  const p = f32x4.add(one, v);
  if (!lo) return f32x4.mul(p, scale);
  const vlo = f32x4.add(f32x4.add(f32x4.sub(r, v), w), rlo);
  return f32x4.mul(f32x4.add(f32x4.add(f32x4.sub(one, p), v), vlo), scale);
}

/** Scalar twin of `expSplitF4`. */
// @ts-ignore: decorator
@inline export function expSplitF1(x: f32, lo: bool): f32 {
  const a = x < XMIN_M ? XMIN_M : x; // pmax
  const kn = a * LOG2E_M + MAGIC_M;
  const scale = reinterpret<f32>(reinterpret<i32>(kn) << 23);
  const n = kn - MAGIC_M;
  const r1 = a - n * LN2_HI_M;
  const nl = n * LN2_LO_M;
  const r = r1 - nl;
  const rlo = (r1 - r) - nl;
  const q = expPolyF1(r);
  const w = q * (r * r);
  const v = r + w;
  const p = <f32>1 + v;
  if (!lo) return p * scale;
  const vlo = ((r - v) + w) + rlo;
  return (((<f32>1 - p) + v) + vlo) * scale;
}

/** log1p(e^(−|x|)) on four float32 lanes, for |x| ≤ 87.33 (see the header). */
// @ts-ignore: decorator
@inline export function softplusTailF4(x: v128): v128 {
  return softplusTailNegF4(v128.or(x, k4(K_SIGN))); // −|x|: the sign bit set (one operation)
}

/** softplusTailF4 of x from a = −|x| (for callers that have it): log1p(e^a), a ∈ [−87.33, −0]. */
// @ts-ignore: decorator
@inline export function softplusTailNegF4(a: v128): v128 {
  return log1pSplitF4(expSplitF4(a, false), expSplitF4(a, true));
}

/** Scalar twin of `softplusTailF4` (the same operations in the same order). */
// @ts-ignore: decorator
@inline export function softplusTailF1(x: f32): f32 {
  const a = -abs<f32>(x);
  return log1pSplitF1(expSplitF1(a, false), expSplitF1(a, true));
}
