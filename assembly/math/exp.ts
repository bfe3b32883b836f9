// Vectorised e^x: float32 lanes (f32x4), float64 lanes (f64x2), and a cheaper float64 variant for x ≤ 0 (expLse2x,
// the one CrossEntropy uses for both dtypes; its own section below states its method and bound), each
// with a scalar twin that performs the same IEEE operations in the same order, so SIMD lanes, scalar
// tails and the scalar build give identical bits.
//
// Method (both precisions): Cody–Waite range reduction x = n·ln2 + r with n = nearest(x·log2 e), ln2 split in a
// high part with trailing zero bits (n·LN2_HI is exact) and a low correction, so |r| ≤ ln2/2 + tiny. Then a
// polynomial e^r ≈ 1 + r + r²·P(r), and the scale 2^n applied in two exact-exponent steps 2^(n>>1)·2^(n−(n>>1))
// so that results in the subnormal range are rounded once (by the last multiply) and overflow gives +Inf.
// The input is clamped first (min/max propagate NaN, so NaN stays NaN); −Inf gives 0, +Inf gives +Inf.
//
// Error bounds (checked by test/exp.test.ts in both builds against Math.exp):
//   expf: < 1 ulp of the exact value (measured max 0.982 ulp at x = −81.39479) for every float32 x in
//         [−104, −2^-10], and on every 61st float32 in (−2^-10, 0]: the range a log-sum-exp uses (x − max ≤ 0;
//         below ≈ −103.97 e^x rounds to 0). The contract is ≤ 2 ulp. Polynomial: Cephes expf's degree-5 minimax P.
//         (CrossEntropy uses the float64 expLse2x for float32 input too; see assembly/cross_entropy.ts.)
//   exp (f64): ≤ 1 ulp from Math.exp on the tested samples (random x in [−745, 0], [−1, 0], [−700, 700] and
//         near 0). Polynomial: Taylor to degree 13, truncation ≤ (ln2/2)^14/14! ≈ 4e-18 relative.

// ---------------------------------------------------------------------------------------------------------------
// float32

export const LOG2E_F: f32 = 1.44269504088896341;
const LN2_HI_F: f32 = 0.693359375; // 10 significant bits: n·LN2_HI_F is exact for |n| < 2^14
const LN2_LO_F: f32 = -2.12194440e-4; // ln2 − LN2_HI_F
const P0_F: f32 = 1.9875691500e-4;
const P1_F: f32 = 1.3981999507e-3;
const P2_F: f32 = 8.3334519073e-3;
const P3_F: f32 = 4.1665795894e-2;
const P4_F: f32 = 1.6666665459e-1;
const P5_F: f32 = 5.0000001201e-1;
const XMIN_F: f32 = -110; // e^-110 < 2^-158: rounds to 0 through the two-step scale
const XMAX_F: f32 = 89; // e^89 > FLT_MAX: overflows to +Inf through the two-step scale

/** e^x on four float32 lanes (see the file header for method and bound). */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(XMIN_F)), f32x4.splat(XMAX_F));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E_F)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI_F)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO_F)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0_F), r), f32x4.splat(P1_F));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2_F));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3_F));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4_F));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5_F));
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  const ni = i32x4.trunc_sat_f32x4_s(n); // NaN → 0 (the NaN is carried by p)
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x on one float32, bit-identical to a lane of `expf4`. */
// @ts-ignore: decorator
@inline export function expf1(x: f32): f32 {
  x = min<f32>(max<f32>(x, XMIN_F), XMAX_F);
  const n = nearest<f32>(x * LOG2E_F);
  let r = x - n * LN2_HI_F;
  r = r - n * LN2_LO_F;
  const r2 = r * r;
  let p = P0_F * r + P1_F;
  p = p * r + P2_F;
  p = p * r + P3_F;
  p = p * r + P4_F;
  p = p * r + P5_F;
  p = (p * r2 + r) + <f32>1;
  const ni = n != n ? 0 : <i32>n; // saturating conversion, as the SIMD lane does
  const n1 = ni >> 1;
  const n2 = ni - n1;
  return (p * reinterpret<f32>((n1 + 127) << 23)) * reinterpret<f32>((n2 + 127) << 23);
}

// ---------------------------------------------------------------------------------------------------------------
// float64

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01; // fdlibm: 32 trailing zero bits, n·LN2_HI exact for |n| < 2^20
const LN2_LO: f64 = 1.90821492927058770002e-10;
const XMIN: f64 = -1100; // e^-1100 < 2^-1586: rounds to 0 through the two-step scale
const XMAX: f64 = 710; // e^710 > DBL_MAX
const SHIFT: f64 = 6755399441055744.0; // 1.5·2^52: x + SHIFT rounds x to an integer for |x| < 2^51
const SHIFT_BITS: i64 = 0x4338000000000000; // bit pattern of SHIFT
// 1/k! for k = 13 … 2 (Horner order).
const C13: f64 = 1.0 / 6227020800.0;
const C12: f64 = 1.0 / 479001600.0;
const C11: f64 = 1.0 / 39916800.0;
const C10: f64 = 1.0 / 3628800.0;
const C9: f64 = 1.0 / 362880.0;
const C8: f64 = 1.0 / 40320.0;
const C7: f64 = 1.0 / 5040.0;
const C6: f64 = 1.0 / 720.0;
const C5: f64 = 1.0 / 120.0;
const C4: f64 = 1.0 / 24.0;
const C3: f64 = 1.0 / 6.0;
const C2: f64 = 0.5;

// @ts-ignore: decorator
@inline function hornerStep2(p: v128, r: v128, c: f64): v128 {
  return f64x2.add(f64x2.mul(p, r), f64x2.splat(c));
}

/** e^x on two float64 lanes (see the file header for method and bound). */
// @ts-ignore: decorator
@inline export function exp2x(x: v128): v128 {
  // pmin/pmax (one minpd/maxpd each) keep a NaN x, which then reaches p and the result.
  x = f64x2.pmin(f64x2.pmax(x, f64x2.splat(XMIN)), f64x2.splat(XMAX));
  // Adding 1.5·2^52 rounds x·log2e to an integer (ties to even) held in the low bits of `kd`.
  const kd = f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E)), f64x2.splat(SHIFT));
  const n = f64x2.sub(kd, f64x2.splat(SHIFT));
  let r = f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(n, f64x2.splat(LN2_LO)));
  let p = f64x2.add(f64x2.mul(f64x2.splat(C13), r), f64x2.splat(C12));
  p = hornerStep2(p, r, C11);
  p = hornerStep2(p, r, C10);
  p = hornerStep2(p, r, C9);
  p = hornerStep2(p, r, C8);
  p = hornerStep2(p, r, C7);
  p = hornerStep2(p, r, C6);
  p = hornerStep2(p, r, C5);
  p = hornerStep2(p, r, C4);
  p = hornerStep2(p, r, C3);
  p = hornerStep2(p, r, C2);
  p = f64x2.add(f64x2.add(f64x2.mul(p, f64x2.mul(r, r)), r), f64x2.splat(1));
  const ni = i64x2.sub(kd, i64x2.splat(SHIFT_BITS)); // n as an integer
  const n1 = i64x2.shr_s(ni, 1);
  const n2 = i64x2.sub(ni, n1);
  const s1 = i64x2.shl(i64x2.add(n1, i64x2.splat(1023)), 52);
  const s2 = i64x2.shl(i64x2.add(n2, i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

/** e^x on one float64, bit-identical to a lane of `exp2x`. */
// @ts-ignore: decorator
@inline export function exp1(x: f64): f64 {
  x = x < XMIN ? XMIN : x; // pmax
  x = XMAX < x ? XMAX : x; // pmin
  const kd = x * LOG2E + SHIFT;
  const n = kd - SHIFT;
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = C13 * r + C12;
  p = p * r + C11;
  p = p * r + C10;
  p = p * r + C9;
  p = p * r + C8;
  p = p * r + C7;
  p = p * r + C6;
  p = p * r + C5;
  p = p * r + C4;
  p = p * r + C3;
  p = p * r + C2;
  p = (p * (r * r) + r) + 1.0;
  const ni = reinterpret<i64>(kd) - SHIFT_BITS;
  const n1 = ni >> 1;
  const n2 = ni - n1;
  return (p * reinterpret<f64>((n1 + 1023) << 52)) * reinterpret<f64>((n2 + 1023) << 52);
}

// ---------------------------------------------------------------------------------------------------------------
// float64 e^x for log-sum-exp: x = x_c − max ≤ 0, the only input CrossEntropy gives it.
//
// Domain: x in [−Inf, 0]. NaN is not propagated (the scale below is an integer add on the bits, which can turn a
// NaN into a number): callers detect a NaN or infinite max themselves (a row's max is NaN iff the row has a NaN,
// and x − max is NaN elsewhere only when the max is ±Inf), and make the row NaN.
//
// Cheaper than exp2x (29 vector operations per f64x2 instead of 46, plus 14 constant loads instead of 18 constants
// rebuilt at every use):
// - one clamp instead of two;
// - the result is the normal number p·2^n built by adding n to p's exponent bits (2 integer ops instead of 9 and
//   two multiplies), exact because x ≥ −708 gives n ≥ −1021 and p ≥ 0.707;
// - one-step reduction r = x − n·ln2 with ln2 rounded to float64 (no Cody–Waite low part): r is off by at most
//   |n|·2^-54 (the rounding of n·LN2 plus n·|ln2 − LN2|), a relative error |n|·2^-54 ≤ |x|·1.6e-16 in e^x;
// - a degree-10 polynomial 1 + r + r²·P(r), P of degree 8 fitted by Remez to the relative error of e^r on
//   |r| ≤ 0.34658 (max 2.9e-16, with the float64 coefficients), evaluated by Estrin's scheme (a dependency chain
//   of 6 multiply-adds instead of Horner's 9).
// Bound: |expLse(x) − e^x| ≤ e^x·(8·2^-53 + |x|·1.6e-16) on [−708, 0] (test/exp.test.ts checks it with margin
// and measures a few ulp); e^0 = 1 exactly. What CrossEntropy needs is the relative error of s = Σ_c e^(x_c − m):
// the max's own term is exactly 1 and every other term is within 1e-15·|x|·term, so s is within ~1e-14 relative
// for any logits (1e-15 when the terms that matter are within e^-10 of the max), far inside the 1e-12 budget of
// DESIGN.md §2; the float64 rounding of s itself (1.1e-16) is what limits log s.
// Below −708 it returns e^−708 (≈ 3.3e-308) instead of a smaller or subnormal value: in a sum that contains
// e^0 = 1 (the max's own term) such a term is 2^-970 below half an ulp, so the sum is the same to the last bit
// for any row of < 2^900 classes.

const XMIN_LSE: f64 = -708;
const LN2: f64 = 0.6931471805599453;
const E0: f64 = 0.49999999999998324;
const E1: f64 = 0.16666666666611546;
const E2: f64 = 0.04166666666813667;
const E3: f64 = 0.008333333370874215;
const E4: f64 = 0.0013888888516195056;
const E5: f64 = 0.00019841185230026382;
const E6: f64 = 2.480193173350701e-05;
const E7: f64 = 2.7634993622839702e-06;
const E8: f64 = 2.7476797528710693e-07;

// The constants as f64x2 pairs in static memory, read with v128.load inside the loops: V8 (TurboFan, x64) does not
// hoist a v128.const out of a loop but rebuilds it at every use (mov imm64, movq, punpcklqdq: two shuffle-port
// uops), which made the constants cost more than the arithmetic; a load is one uop on the load ports.
const LSE_K: usize = memory.data<f64>([
  XMIN_LSE, XMIN_LSE, LOG2E, LOG2E, SHIFT, SHIFT, LN2, LN2, 1.0, 1.0,
  E0, E0, E1, E1, E2, E2, E3, E3, E4, E4, E5, E5, E6, E6, E7, E7, E8, E8,
], 16);
const K_XMIN = 0, K_LOG2E = 1, K_SHIFT = 2, K_LN2 = 3, K_ONE = 4, K_E0 = 5;

/** Constant `i` of LSE_K, in both lanes (one load). */
// @ts-ignore: decorator
@inline function k2(i: i32): v128 {
  return v128.load(LSE_K + (<usize>i << 4));
}

/** E_i + E_(i+1)·r. */
// @ts-ignore: decorator
@inline function pair2(i: i32, r: v128): v128 {
  return f64x2.add(k2(K_E0 + i), f64x2.mul(k2(K_E0 + i + 1), r));
}

/** e^x on two float64 lanes for x in [−Inf, 0] (see above: no NaN propagation; the bound above). */
// @ts-ignore: decorator
@inline export function expLse2x(x: v128): v128 {
  x = f64x2.pmax(x, k2(K_XMIN)); // x < XMIN ? XMIN : x
  const shift = k2(K_SHIFT);
  // Adding 1.5·2^52 rounds x·log2e to an integer n (ties to even) held in the low bits of `kd`.
  const kd = f64x2.add(f64x2.mul(x, k2(K_LOG2E)), shift);
  const n = f64x2.sub(kd, shift);
  const r = f64x2.sub(x, f64x2.mul(n, k2(K_LN2)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  // Estrin: P = (E0 + E1 r) + r²(E2 + E3 r) + r⁴[(E4 + E5 r) + r²(E6 + E7 r) + r⁴·E8]
  const lo = f64x2.add(pair2(0, r), f64x2.mul(r2, pair2(2, r)));
  const hi = f64x2.add(f64x2.add(pair2(4, r), f64x2.mul(r2, pair2(6, r))), f64x2.mul(r4, k2(K_E0 + 8)));
  const P = f64x2.add(lo, f64x2.mul(r4, hi));
  const p = f64x2.add(f64x2.add(f64x2.mul(P, r2), r), k2(K_ONE));
  // kd's low bits hold n (SHIFT's low 12 bits are 0), so kd << 52 is n in the exponent field.
  return i64x2.add(p, i64x2.shl(kd, 52));
}

/** e^x on one float64 for x in [−Inf, 0], bit-identical to a lane of `expLse2x`. */
// @ts-ignore: decorator
@inline export function expLse1(x: f64): f64 {
  x = x < XMIN_LSE ? XMIN_LSE : x;
  const kd = x * LOG2E + SHIFT;
  const n = kd - SHIFT;
  const r = x - n * LN2;
  const r2 = r * r;
  const r4 = r2 * r2;
  const lo = (E0 + E1 * r) + r2 * (E2 + E3 * r);
  const hi = ((E4 + E5 * r) + r2 * (E6 + E7 * r)) + r4 * E8;
  const P = lo + r4 * hi;
  const p = (P * r2 + r) + 1.0;
  return reinterpret<f64>(reinterpret<i64>(p) + (reinterpret<i64>(kd) << 52));
}


/**
 * e^x for x in [−Inf, 0] as `expLse2x`, but exactly 0 below −708 (where expLse2x returns e^−708): for softmax
 * values that are multiplied rather than summed with the max's 1 (gradients), so that an underflowed class gives
 * the exact zero PyTorch gives (with its sign), not a subnormal-sized residue.
 */
// @ts-ignore: decorator
@inline export function expLseZ2x(x: v128): v128 {
  return v128.and(expLse2x(x), f64x2.ge(x, f64x2.splat(XMIN_LSE)));
}

/** Scalar twin of `expLseZ2x`. */
// @ts-ignore: decorator
@inline export function expLseZ1(x: f64): f64 {
  return x >= XMIN_LSE ? expLse1(x) : 0.0;
}

// ---------------------------------------------------------------------------------------------------------------
// float32 e^x for log-sum-exp and softmax in float32 lanes: x ≤ 0 (x = fl32(x_c − max)), as PyTorch's float32
// kernels compute it.
//
// Method: n = round(x·log2 e) by a magic bias (x·log2e + 1.5·2^23 + 127 leaves n + 127 in the low mantissa
// bits, so `bits << 23` is 2^n itself: no nearest, no float→int conversion, no two-step scale); Cody–Waite
// r = (x − n·LN2_HI) − n·LN2_LO with LN2_HI of 16 significant bits (n·LN2_HI exact for |n| ≤ 128; x − n·LN2_HI
// exact by Sterbenz); e^r ≈ 1 + r + r²·Q(r), Q of degree 4 fitted (our own Remez-style fit) to the relative error
// of e^r on |r| ≤ ln2/2 (max 3.7e-9 with the float32 coefficients, 0.06 ulp); then p·2^n, exact since the
// argument is clamped below at XMIN_M = ln 2^-126 (2^n ≥ 2^-126 and p ≥ 0.7 give a normal result).
// About 22 operations per f32x4, the constants read from memory (see LSE_K).
// Bound: ≤ 1 ulp of e^x for every float32 x in [XMIN_M, 0] (test/exp.test.ts scans them; measured 0.954 ulp);
// e^0 = 1 exactly. Below XMIN_M (−Inf included) it returns e^XMIN_M ≈ 1.2e-38 instead of a smaller or subnormal
// value: in a sum that contains the max's own 1 such a term is 2^-102 below half an ulp, so a float32 row sum
// is unchanged for any row of fewer than 2^70 classes. NaN gives NaN.

export const XMIN_M: f32 = -87.33654; // ln 2^-126, rounded up: 2^n stays normal
export const MAGIC_M: f32 = 12583039.0; // 1.5·2^23 + 127
export const LN2_HI_M: f32 = 0.693145751953125; // 16 significant bits
export const LN2_LO_M: f32 = 1.4286068e-06; // fl32(ln2 − LN2_HI_M)
export const Q0_M: f32 = 0.4999999403953552;
export const Q1_M: f32 = 0.1666652113199234;
export const Q2_M: f32 = 0.04166838899254799;
export const Q3_M: f32 = 0.008368724025785923;
export const Q4_M: f32 = 0.0013814583653584123;

const EXPM_K: usize = memory.data<f32>([
  XMIN_M, XMIN_M, XMIN_M, XMIN_M, LOG2E_F, LOG2E_F, LOG2E_F, LOG2E_F, MAGIC_M, MAGIC_M, MAGIC_M, MAGIC_M,
  LN2_HI_M, LN2_HI_M, LN2_HI_M, LN2_HI_M, LN2_LO_M, LN2_LO_M, LN2_LO_M, LN2_LO_M, 1, 1, 1, 1,
  Q0_M, Q0_M, Q0_M, Q0_M, Q1_M, Q1_M, Q1_M, Q1_M, Q2_M, Q2_M, Q2_M, Q2_M, Q3_M, Q3_M, Q3_M, Q3_M,
  Q4_M, Q4_M, Q4_M, Q4_M,
], 16);
/** Indices into EXPM_K for `expK4` (also math/softplus.ts's split exp). */
export const M_XMIN = 0, M_LOG2E = 1, M_MAGIC = 2, M_HI = 3, M_LO = 4, M_ONE = 5, M_Q0 = 6;

/** Constant `i` (an M_* index) of EXPM_K in all four lanes (one load). */
// @ts-ignore: decorator
@inline export function expK4(i: i32): v128 {
  return v128.load(EXPM_K + (<usize>i << 4));
}

/** Scalar twin of `expPolyF4` (the same operations on one float32). */
// @ts-ignore: decorator
@inline export function expPolyF1(r: f32): f32 {
  let q = Q4_M * r + Q3_M;
  q = q * r + Q2_M;
  q = q * r + Q1_M;
  return q * r + Q0_M;
}

/** The reduced polynomial Q4·r⁴ + … + Q0 by Horner on four float32 lanes, shared by every float32 exp here. */
// @ts-ignore: decorator
@inline export function expPolyF4(r: v128): v128 {
  let q = f32x4.add(f32x4.mul(expK4(M_Q0 + 4), r), expK4(M_Q0 + 3));
  q = f32x4.add(f32x4.mul(q, r), expK4(M_Q0 + 2));
  q = f32x4.add(f32x4.mul(q, r), expK4(M_Q0 + 1));
  return f32x4.add(f32x4.mul(q, r), expK4(M_Q0));
}

/** e^x on four float32 lanes for x ≤ 0 (the bound above; e^XMIN_M below XMIN_M). */
// @ts-ignore: decorator
@inline export function expMinusF4(x: v128): v128 {
  return expInRangeF4(f32x4.pmax(x, expK4(M_XMIN))); // x < XMIN_M ? XMIN_M : x (NaN stays)
}

/**
 * e^(d + lo) on four float32 lanes, d = fl32(x − m) ≤ 0 and lo its rounding error (TwoSum), for the gradients:
 * expMinusF4 with lo added to the reduced argument (r = ((d − n·LN2_HI) − n·LN2_LO) + lo, one more rounding of
 * a term ≤ 2^-24·|r|), so the result is within 1 ulp of e^(x − m) with x − m exact, not of e^fl32(x − m), whose
 * error grows with |x − m|. Lanes with d < XMIN_M (−Inf, NaN included) give +0, not e^XMIN_M: a gradient term.
 */
// @ts-ignore: decorator
@inline export function expMinusSplitF4(d: v128, lo: v128): v128 {
  const keep = f32x4.ge(d, expK4(M_XMIN));
  const x = f32x4.pmax(d, expK4(M_XMIN));
  const magic = expK4(M_MAGIC);
  const kn = f32x4.add(f32x4.mul(x, expK4(M_LOG2E)), magic);
  const s = i32x4.shl(kn, 23);
  const n = f32x4.sub(kn, magic);
  let r = f32x4.sub(x, f32x4.mul(n, expK4(M_HI)));
  r = f32x4.add(f32x4.sub(r, f32x4.mul(n, expK4(M_LO))), lo);
  const q = expPolyF4(r);
  const p = f32x4.add(f32x4.add(f32x4.mul(q, f32x4.mul(r, r)), r), expK4(M_ONE));
  return v128.and(f32x4.mul(p, s), keep);
}

/** Scalar twin of `expMinusSplitF4` (bit-identical to a lane). */
// @ts-ignore: decorator
@inline export function expMinusSplitF1(d: f32, lo: f32): f32 {
  if (!(d >= XMIN_M)) return 0;
  const kn = d * LOG2E_F + MAGIC_M;
  const s = reinterpret<f32>(reinterpret<i32>(kn) << 23);
  const n = kn - MAGIC_M;
  let r = d - n * LN2_HI_M;
  r = (r - n * LN2_LO_M) + lo;
  const q = expPolyF1(r);
  const p = (q * (r * r) + r) + <f32>1;
  return p * s;
}

/**
 * e^(x − m) of four float32 logits in float32 lanes with x − m taken exactly: d = fl32(x − m) and its rounding
 * error by TwoSum (x ≤ m), folded into the exp's reduced argument (`expMinusSplitF4`: ≤ 1 ulp, +0 below
 * e^-87.3). vnm = −m.
 */
// @ts-ignore: decorator
@inline export function expDiffF4(xv: v128, vm: v128, vnm: v128): v128 {
  const d = f32x4.sub(xv, vm);
  const z = f32x4.sub(d, xv);
  const lo = f32x4.add(f32x4.sub(xv, f32x4.sub(d, z)), f32x4.sub(vnm, z));
  return expMinusSplitF4(d, lo);
}

/** Scalar twin of `expDiffF4` (bit-identical to a lane). */
// @ts-ignore: decorator
@inline export function expDiffF1(x: f32, m: f32): f32 {
  const d = x - m;
  const z = d - x;
  const lo = (x - (d - z)) + (-m - z);
  return expMinusSplitF1(d, lo);
}

/** e^x on one float32 for x ≤ 0, bit-identical to a lane of `expMinusF4`. */
// @ts-ignore: decorator
@inline export function expMinusF1(x: f32): f32 {
  return expInRangeF1(x < XMIN_M ? XMIN_M : x);
}

/** The top of `expInRangeF4`'s domain: n = round(x·log2 e) ≤ 127 (e^88 ≈ 1.65e38). */
export const XMAX_IN_RANGE: f32 = 88;

/**
 * e^x on four float32 lanes for x in [XMIN_M, XMAX_IN_RANGE] (≈ [−87.34, 88]): expMinusF4 without its clamp,
 * for callers that have checked the domain (the CrossEntropy gradient's one-pass rows, assembly/rows/ce_fused.ts).
 * The same reduction and polynomial: n = round(x·log2 e) ∈ [−126, 127] stays a normal 2^n through the magic bias's
 * shift, p·2^n ≤ 1.42·2^127 is finite, and the bound is expMinusF4's on [XMIN_M, 0] (this is its code after the
 * clamp) and ≤ 1 ulp on (0, 88] too (test/exp.test.ts scans every float32 in [2^-10, 88]: measured 0.969 ulp).
 * Outside the domain the result is meaningless (2^n's exponent bits wrap).
 */
// @ts-ignore: decorator
@inline export function expInRangeF4(x: v128): v128 {
  const magic = expK4(M_MAGIC);
  const kn = f32x4.add(f32x4.mul(x, expK4(M_LOG2E)), magic);
  const s = i32x4.shl(kn, 23);
  const n = f32x4.sub(kn, magic);
  let r = f32x4.sub(x, f32x4.mul(n, expK4(M_HI)));
  r = f32x4.sub(r, f32x4.mul(n, expK4(M_LO)));
  const q = expPolyF4(r);
  const p = f32x4.add(f32x4.add(f32x4.mul(q, f32x4.mul(r, r)), r), expK4(M_ONE));
  return f32x4.mul(p, s);
}

/** Scalar twin of `expInRangeF4` (bit-identical to a lane). */
// @ts-ignore: decorator
@inline export function expInRangeF1(x: f32): f32 {
  const kn = x * LOG2E_F + MAGIC_M;
  const s = reinterpret<f32>(reinterpret<i32>(kn) << 23);
  const n = kn - MAGIC_M;
  let r = x - n * LN2_HI_M;
  r = r - n * LN2_LO_M;
  const q = expPolyF1(r);
  const p = (q * (r * r) + r) + <f32>1;
  return p * s;
}
