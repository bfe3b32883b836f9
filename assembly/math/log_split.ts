// log x of a positive normal float32 to a small absolute error, not to 1 ulp, for float32 terms that cancel
// against their log (GaussianNLL's log v, PoissonNLL's log(x + eps), KLDiv's log t): musl logf's reduction
// x = 2^k·m, m ∈ [√2/2, √2), f = m − 1 (exact) in float32 lanes, then log x = k·ln 2 + log(1 + f) joined in float64
// from pieces of musl logf's polynomial (s = f/(2 + f), R(s²)) computed in float32 where their roundings cannot
// reach the log. Two joins, each with its stated bound (measured over every float32 m by test/log1p.test.ts):
// - the tighter join (logJoinHf: s and R in float32, f²/2 and small = s·(hfsq + R) − hfsq in float64), ≤ 0.05·2^-24;
// - the float64-s join (logJoinDiv: s and Lg1·s² in float64, only the rest of R in float32), ≤ 0.001·2^-24.
// Not for zero, subnormal, negative, infinite or NaN x (callers select another path there). Lanes and scalar twins
// perform the same operations in the same order. Constants are loaded from static memory inside the loops.

const SHIFT32: i32 = 0x3f800000 - 0x3f3504f3;
const MBASE32: i32 = 0x3f3504f3;
const MANT32: i32 = 0x007fffff;
const LG1_F: f32 = 0.66666662693; // musl logf's Lg1 … Lg4
const LG2_F: f32 = 0.40000972152;
const LG3_F: f32 = 0.28498786688;
const LG4_F: f32 = 0.24279078841;

const LS_K: usize = memory.data<f32>([
  1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2,
  LG1_F, LG1_F, LG1_F, LG1_F, LG2_F, LG2_F, LG2_F, LG2_F, LG3_F, LG3_F, LG3_F, LG3_F, LG4_F, LG4_F, LG4_F, LG4_F,
  reinterpret<f32>(SHIFT32), reinterpret<f32>(SHIFT32), reinterpret<f32>(SHIFT32), reinterpret<f32>(SHIFT32),
  reinterpret<f32>(MANT32), reinterpret<f32>(MANT32), reinterpret<f32>(MANT32), reinterpret<f32>(MANT32),
  reinterpret<f32>(MBASE32), reinterpret<f32>(MBASE32), reinterpret<f32>(MBASE32), reinterpret<f32>(MBASE32),
  reinterpret<f32>(127), reinterpret<f32>(127), reinterpret<f32>(127), reinterpret<f32>(127),
], 16);
const K_ONE = 0, K_HALF = 1, K_TWO = 2, K_LG = 3, K_SHIFT = 7, K_MANT = 8, K_MBASE = 9, K_BIAS = 10;

/** Constant `i` of LS_K in all four lanes (one load). */
// @ts-ignore: decorator
@inline function k4(i: i32): v128 {
  return v128.load(LS_K + (<usize>i << 4));
}

/** The bits of x shifted so that the exponent field carries into k exactly when m ≥ √2 (musl's reduction). */
// @ts-ignore: decorator
@inline function shifted(x: v128): v128 {
  return i32x4.add(x, k4(K_SHIFT));
}

/** k of x = 2^k·m, m ∈ [√2/2, √2), on four float32 lanes (as i32 lanes). */
// @ts-ignore: decorator
@inline export function logExponentF4(x: v128): v128 {
  return i32x4.sub(i32x4.shr_s(shifted(x), 23), k4(K_BIAS));
}

/** f = m − 1 of x = 2^k·m on four float32 lanes (exact). */
// @ts-ignore: decorator
@inline export function logFractionF4(x: v128): v128 {
  return f32x4.sub(i32x4.add(v128.and(shifted(x), k4(K_MANT)), k4(K_MBASE)), k4(K_ONE));
}

/** s = f/(2 + f) on four float32 lanes. */
// @ts-ignore: decorator
@inline export function logSF4(f: v128): v128 {
  return f32x4.div(f, f32x4.add(k4(K_TWO), f));
}

/** musl logf's R(s²) = t2 + t1 on four float32 lanes. */
// @ts-ignore: decorator
@inline export function logRF4(s: v128): v128 {
  const z = f32x4.mul(s, s), w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(k4(K_LG + 1), f32x4.mul(w, k4(K_LG + 3))));
  const t2 = f32x4.mul(z, f32x4.add(k4(K_LG), f32x4.mul(w, k4(K_LG + 2))));
  return f32x4.add(t2, t1);
}

/** Scalar twin of `logExponentF4`. */
// @ts-ignore: decorator
@inline export function logExponentF1(x: f32): i32 {
  return ((reinterpret<i32>(x) + SHIFT32) >> 23) - 127;
}

/** Scalar twin of `logFractionF4`. */
// @ts-ignore: decorator
@inline export function logFractionF1(x: f32): f32 {
  return reinterpret<f32>(((reinterpret<i32>(x) + SHIFT32) & MANT32) + MBASE32) - <f32>1;
}

/** Scalar twin of `logSF4`. */
// @ts-ignore: decorator
@inline export function logSF1(f: f32): f32 {
  return f / (<f32>2 + f);
}

/** Scalar twin of `logRF4`. */
// @ts-ignore: decorator
@inline export function logRF1(s: f32): f32 {
  const z = s * s, w = z * z;
  const t1 = w * (LG2_F + w * LG4_F);
  const t2 = z * (LG1_F + w * LG3_F);
  return t2 + t1;
}

const LN2: f64 = 0.6931471805599453;

// The tighter join (GaussianNLL, PoissonNLL): small = log(1 + f) − f = s·(hfsq + R) − hfsq with s = logSF4(f) and R = logRF4(s) from float32
// lanes but hfsq = f²/2 (exact in float64: f has 24 bits), the product and the difference in float64, so the
// float32 roundings of hfsq, of s·(hfsq + R) and of small do not reach the log: |k·ln 2 + f + small − log x| ≤
// ERR_ABS_HF for every positive normal float32 x (test/log1p.test.ts measures it over every m: 0.0458·2^-24).

/** The stated absolute error bound of the tighter join (see above). */
export const LOG_SPLIT_HF_ERR_ABS: f64 = 0.05 / 16777216.0;

/** log x = k·ln 2 + (f + (s·(hfsq + R) − hfsq)) in float64, hfsq = 0.5·f·f (two lanes; k, f, s, R as f64 lanes). */
// @ts-ignore: decorator
@inline export function logJoinHf2x(k: v128, f: v128, s: v128, R: v128): v128 {
  const h = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const small = f64x2.sub(f64x2.mul(s, f64x2.add(h, R)), h);
  return f64x2.add(f64x2.mul(k, f64x2.splat(LN2)), f64x2.add(f, small));
}

/** Scalar twin of `logJoinHf2x`. */
// @ts-ignore: decorator
@inline export function logJoinHf1(k: f64, f: f64, s: f64, R: f64): f64 {
  const h = 0.5 * f * f;
  return k * LN2 + (f + (s * (h + R) - h));
}

// The float64-s join (KLDiv): s = f/(2 + f) in float64, and log(1 + f) = log(1 + s) − log(1 − s) = s·(2 + R),
// where R = Lg1·s² + rest with s² and Lg1·s² in float64 and only the rest of musl logf's R(s), rest = w·(Lg2 +
// w·Lg4) + z·(w·Lg3) (|rest| < 3.5e-4), in float32 lanes from the float32 s (z = s², w = z²): the float32 rounding
// of s reaches the log only through rest's slope (< 0.01) and the float32 roundings of rest stay below 2^-35 of it;
// the float64 roundings add a few 2^-53 of |2s| ≤ 0.35 and of |k·ln 2| ≤ 104; what remains is musl logf's
// polynomial error (< 5e-11 in R, times |s| ≤ 0.1716): |k·ln 2 + s·(2 + R) − log x| ≤ ERR_ABS_DIV for every
// positive normal float32 x (test/log1p.test.ts measures it over every float32 m and sparsely over every binade:
// 0.00064·2^-24).

/** The stated absolute error bound of the float64-s join (see above). */
export const LOG_SPLIT_DIV_ERR_ABS: f64 = 0.001 / 16777216.0;

const LG1_D: f64 = <f64>LG1_F;
const LS_D: usize = memory.data<f64>([2.0, 2.0, LG1_D, LG1_D, LN2, LN2], 16);
const D_TWO = 0, D_LG1 = 1, D_LN2 = 2;

/** Constant `i` of LS_D in both f64 lanes (one load). */
// @ts-ignore: decorator
@inline function d2(i: i32): v128 {
  return v128.load(LS_D + (<usize>i << 4));
}

/** rest = R(s) − Lg1·s² = w·(Lg2 + w·Lg4) + z·(w·Lg3) on four float32 lanes (z = s², w = z²). */
// @ts-ignore: decorator
@inline export function logRestF4(s: v128): v128 {
  const z = f32x4.mul(s, s), w = f32x4.mul(z, z);
  return f32x4.add(f32x4.mul(w, f32x4.add(k4(K_LG + 1), f32x4.mul(w, k4(K_LG + 3)))), f32x4.mul(z, f32x4.mul(w, k4(K_LG + 2))));
}

/** Scalar twin of `logRestF4`. */
// @ts-ignore: decorator
@inline export function logRestF1(s: f32): f32 {
  const z = s * s, w = z * z;
  return w * (LG2_F + w * LG4_F) + z * (w * LG3_F);
}

/** log x = k·ln 2 + s·(2 + (Lg1·(s·s) + rest)), s = f/(2 + f), in float64 (two lanes; k, f, rest as f64 lanes). */
// @ts-ignore: decorator
@inline export function logJoinDiv2x(k: v128, f: v128, rest: v128): v128 {
  const two = d2(D_TWO);
  const s = f64x2.div(f, f64x2.add(two, f));
  const R = f64x2.add(f64x2.mul(d2(D_LG1), f64x2.mul(s, s)), rest);
  return f64x2.add(f64x2.mul(k, d2(D_LN2)), f64x2.mul(s, f64x2.add(two, R)));
}

/** Scalar twin of `logJoinDiv2x`. */
// @ts-ignore: decorator
@inline export function logJoinDiv1(k: f64, f: f64, rest: f64): f64 {
  const s = f / (2.0 + f);
  const R = LG1_D * (s * s) + rest;
  return k * LN2 + s * (2.0 + R);
}
