// Natural logarithm and log1p without imports: f64x2 and f32x4 lane versions for SIMD loops, plus scalar twins
// that run the same operations in the same order, so a SIMD lane and a scalar tail (or the scalar build) give the
// same bits for the same input.
//
// Algorithm (fdlibm / musl `log` and `logf`, ported to lanes):
//   range reduction  x = 2^k · m with m ∈ [√2/2, √2) (subnormals are first scaled by 2^54, resp. 2^23), found
//                    by integer arithmetic on the bits: adding 0x3ff00000 − 0x3fe6a09e to the high word carries
//                    into the exponent exactly when m ≥ √2.
//   core             f = m − 1 (exact), s = f / (2 + f), so log(1 + f) = log(1 + s) − log(1 − s)
//                    = 2s + 2s³/3 + 2s⁵/5 + … ; with hfsq = f²/2 and R(z) ≈ the odd series as a polynomial in
//                    z = s² (Remez, |error| < 2^-58.45 for f64, < 2^-34.24 for f32):
//                    log(x) = k·ln2_hi + (f − hfsq + s·(hfsq + R) + k·ln2_lo)
//                    where ln2_hi has trailing zero bits so k·ln2_hi is exact for every k.
//   error bound      f64: < 1 ulp (musl's stated bound; tested against Math.log in test/log.test.ts).
//                    f32: ≤ 2 ulp stated and tested (measured 0.83 ulp worst over every float32 in (0, 1]: the
//                    full sweep runs with SIMDLOSS_EXHAUSTIVE=1, the default test run a dense subset; random
//                    float32s above 1 are tested too).
//   specials         log(±0) = −∞, log(x < 0) = NaN, log(+∞) = +∞, log(NaN) = NaN.
//                    `log_normal_f32x4` skips them (and the subnormal scaling) for lanes known normal and finite:
//                    the same bits there.
//
// log1p(t) = log(u) + c/u with u = fl(1 + t) and c = t − (u − 1), the rounding error of 1 + t (exact by Fast2Sum
// for |t| ≤ 1; for |t| > 1 it is inexact but far below an ulp of the result): since log(1 + t) = log(u) +
// log1p(c/u) and |c/u| ≤ 2^-53, the correction restores the bits of t that 1 + t dropped, so log1p keeps full
// relative accuracy for tiny t (log1p(t) = t when |t| < 2^-54). Tested within 1 ulp of Math.log1p.
// (BCE does not use it: PyTorch 1.13 takes log(1 − x); see assembly/bce.ts.)
//
// BCE uses `log_clamped_f64x2` / `log_clamped_f64` (below): the same reduction and R(z), stripped to the domain
// BCE needs, max(log t, −100) for t ∈ [+0, 1], at about two thirds of the instructions; also < 1 ulp (tested).
//
// Why BCE runs float32 inputs through the f64 log: each term is accumulated in float64 and the float32 result is
// rounded once from the float64 sum; a float32 log (≤ 2 ulp ≈ 1.2e-7 relative per term) would bias that sum by
// more than the final rounding, so the float32 BCE result would not be the float64 value rounded once. The f32x4
// log is here for float32 paths that round each term to float32 anyway, and is tested exhaustively.

// ---------------------------------------------------------------------------------------------------------------
// float64

const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3fe62e42fee00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3dea39ef35793c76
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const TWO54: f64 = 18014398509481984.0; // 2^54, lifts subnormals into the normal range
const MIN_NORMAL64: f64 = 2.2250738585072014e-308;
// High-word shift that moves m ≥ √2 into the next binade (musl's 0x3ff00000 − 0x3fe6a09e), in 64-bit form.
const SHIFT64: i64 = (<i64>(0x3ff00000 - 0x3fe6a09e)) << 32;
const MBASE64: i64 = (<i64>0x3fe6a09e) << 32;
const MANT64: i64 = 0x000fffffffffffff;

/** Natural log of each f64 lane of `x` (< 1 ulp; specials as Math.log). */
// @ts-ignore: decorator
@inline export function log_f64x2(x: v128): v128 {
  const zero = f64x2.splat(0);
  const tiny = f64x2.lt(x, f64x2.splat(MIN_NORMAL64));
  const xs = v128.bitselect(f64x2.mul(x, f64x2.splat(TWO54)), x, tiny);
  const kAdjust = v128.and(tiny, f64x2.splat(-54.0));
  const ix = i64x2.add(xs, i64x2.splat(SHIFT64));
  const kBits = i64x2.sub(i64x2.shr_s(ix, 52), i64x2.splat(1023));
  // k fits in i32: gather the low words of both i64 lanes and convert them to f64.
  const k = f64x2.add(f64x2.convert_low_i32x4_s(i32x4.shuffle(kBits, kBits, 0, 2, 0, 2)), kAdjust);
  const m = i64x2.add(v128.and(ix, i64x2.splat(MANT64)), i64x2.splat(MBASE64));
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  const t2 = f64x2.mul(z, f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3),
    f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))));
  const r = f64x2.add(t2, t1);
  let y = f64x2.mul(s, f64x2.add(hfsq, r));
  y = f64x2.add(y, f64x2.mul(k, f64x2.splat(LN2_LO)));
  y = f64x2.sub(y, hfsq);
  y = f64x2.add(y, f);
  y = f64x2.add(y, f64x2.mul(k, f64x2.splat(LN2_HI)));
  // Lanes outside (0, +∞): −∞ for ±0, NaN below 0, the input itself for +∞ and NaN.
  const regular = v128.and(f64x2.gt(x, zero), f64x2.lt(x, f64x2.splat(Infinity)));
  const special = v128.bitselect(f64x2.splat(-Infinity),
    v128.bitselect(f64x2.splat(NaN), x, f64x2.lt(x, zero)), f64x2.eq(x, zero));
  return v128.bitselect(y, special, regular);
}

/** Scalar twin of `log_f64x2` (same operations, same bits). */
// @ts-ignore: decorator
@inline export function log_f64(x: f64): f64 {
  if (!(x > 0 && x < Infinity)) return x == 0 ? -Infinity : x < 0 ? NaN : x;
  let kAdjust: f64 = 0;
  let xs = x;
  if (x < MIN_NORMAL64) { xs = x * TWO54; kAdjust = -54.0; }
  const ix = reinterpret<i64>(xs) + SHIFT64;
  const k = <f64>(<i32>((ix >> 52) - 1023)) + kAdjust;
  const f = reinterpret<f64>((ix & MANT64) + MBASE64) - 1.0;
  const hfsq = 0.5 * f * f;
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  let y = s * (hfsq + r);
  y = y + k * LN2_LO;
  y = y - hfsq;
  y = y + f;
  return y + k * LN2_HI;
}

/** log(1 + t) of each f64 lane, accurate for tiny |t| (see the header); log1p(−1) = −∞, log1p(+∞) = +∞. */
// @ts-ignore: decorator
@inline export function log1p_f64x2(t: v128): v128 {
  const one = f64x2.splat(1.0);
  const u = f64x2.add(one, t);
  const c = f64x2.sub(t, f64x2.sub(u, one));
  // The correction only where it carries information: c = 0 covers u = 0 (0/0), t = +∞ makes c NaN.
  const useC = v128.and(f64x2.ne(c, f64x2.splat(0)), f64x2.ne(t, f64x2.splat(Infinity)));
  const corr = v128.and(f64x2.div(c, u), useC);
  // ±0 passes through with its sign, as log1p(±0) = ±0.
  return v128.bitselect(t, f64x2.add(log_f64x2(u), corr), f64x2.eq(t, f64x2.splat(0)));
}

/** Scalar twin of `log1p_f64x2`. */
// @ts-ignore: decorator
@inline export function log1p_f64(t: f64): f64 {
  const u = 1.0 + t;
  const c = t - (u - 1.0);
  const corr = c != 0 && t != Infinity ? c / u : 0.0;
  return t == 0 ? t : log_f64(u) + corr;
}

// ---------------------------------------------------------------------------------------------------------------
// float64, clamped at −100: BCE's max(log t, −100) for t ∈ [+0, 1] (any finite t ≥ +0 works)
//
// The same reduction and the same R(z) as log_f64, minus everything the clamp makes unnecessary, because this
// log runs twice per BCE element and its cost is the kernel's cost. Per f64x2: 5 integer/bit operations, 1
// division, 11 multiplications, 13 additions/subtractions and 1 max (31 operations; log_f64x2 takes 48).
//   - no special cases and no subnormal rescaling: for +0 and subnormal t the bit arithmetic below reads the
//     exponent as −1023 and gives a finite value near −709, which the clamp turns into −100, as it does for every
//     t < e^−100 ≈ 3.7e-44 anyway. The sign bit must be clear (callers add +0 to turn −0 into +0): −0 would read
//     as 2^1025. NaN and ±∞ give garbage; BCE rejects those inputs.
//   - k as a float by the 2^52 trick, (2^52 + e) − (2^52 + 1023) with e the biased exponent: no 64-bit
//     arithmetic shift (emulated on x64) and no i32 conversion; exact for every e.
//   - log(1 + f) = f − s·(f − R) instead of f − hfsq + s·(hfsq + R): equal in exact arithmetic (2s = f − s·f),
//     3 operations and a constant fewer (fdlibm uses this form itself on part of the range), and 2 + f is m + 1.
//     Still within 1 ulp of Math.log (test/log.test.ts; 1M random points: 0.16% of results 1 ulp off, none more).
//   - the clamp is f64x2.pmax (one maxpd); wasm's f64x2.max spends ~8 x64 instructions on NaN semantics, and no
//     lane is NaN for t in the domain.
//   - the SIMD constants are loaded from a data segment: V8 builds each 64-bit v128.const from three instructions
//     (movq imm64, vmovq, vpunpcklqdq) at every use, since 16 xmm registers cannot hold all 17 across a BCE loop;
//     a load (or a spill reload) is one.
// The scalar twin `log_clamped_f64` runs the same operations in the same order (same bits).

const EXP_MAGIC: i64 = 0x4330000000000000; // bits of 2^52: (e | EXP_MAGIC) reads as 2^52 + e for e < 2^52
const EXP_BIAS_MAGIC: f64 = 4503599627371519.0; // 2^52 + 1023
const LOG_CLAMP: f64 = -100.0;

// The constants of log_clamped_f64x2, each splatted to 16 bytes; kc(i) loads the i-th.
const LOGC: usize = memory.data<f64>([
  reinterpret<f64>(SHIFT64), reinterpret<f64>(SHIFT64),
  reinterpret<f64>(EXP_MAGIC), reinterpret<f64>(EXP_MAGIC),
  EXP_BIAS_MAGIC, EXP_BIAS_MAGIC,
  reinterpret<f64>(MANT64), reinterpret<f64>(MANT64),
  reinterpret<f64>(MBASE64), reinterpret<f64>(MBASE64),
  1.0, 1.0,
  LG1, LG1, LG2, LG2, LG3, LG3, LG4, LG4, LG5, LG5, LG6, LG6, LG7, LG7,
  LN2_LO, LN2_LO, LN2_HI, LN2_HI, LOG_CLAMP, LOG_CLAMP,
], 16);
// @ts-ignore: decorator
@inline function kc(i: i32): v128 { return v128.load(LOGC + (<usize>i << 4)); }

/** max(log t, −100) of each f64 lane, for t ∈ [+0, 1] (or any finite t ≥ +0). */
// @ts-ignore: decorator
@inline export function log_clamped_f64x2(t: v128): v128 {
  const ix = i64x2.add(t, kc(0));
  const k = f64x2.sub(v128.or(i64x2.shr_u(ix, 52), kc(1)), kc(2));
  const m = i64x2.add(v128.and(ix, kc(3)), kc(4));
  const one = kc(5);
  const f = f64x2.sub(m, one);
  const s = f64x2.div(f, f64x2.add(m, one));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(kc(7), f64x2.mul(w, f64x2.add(kc(9), f64x2.mul(w, kc(11))))));
  const t2 = f64x2.mul(z, f64x2.add(kc(6), f64x2.mul(w, f64x2.add(kc(8),
    f64x2.mul(w, f64x2.add(kc(10), f64x2.mul(w, kc(12))))))));
  const r = f64x2.add(t2, t1);
  let y = f64x2.sub(f64x2.mul(s, f64x2.sub(f, r)), f64x2.mul(k, kc(13)));
  y = f64x2.sub(f, y);
  y = f64x2.add(y, f64x2.mul(k, kc(14)));
  return f64x2.pmax(kc(15), y);
}

/** Scalar twin of `log_clamped_f64x2` (same operations, same bits). */
// @ts-ignore: decorator
@inline export function log_clamped_f64(t: f64): f64 {
  const ix = reinterpret<i64>(t) + SHIFT64;
  const k = reinterpret<f64>(<i64>(<u64>ix >> 52) | EXP_MAGIC) - EXP_BIAS_MAGIC;
  const m = reinterpret<f64>((ix & MANT64) + MBASE64);
  const f = m - 1.0;
  const s = f / (m + 1.0);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  let y = s * (f - r) - k * LN2_LO;
  y = f - y;
  y = y + k * LN2_HI;
  // pmax(floor, y) = floor < y ? y : floor
  return LOG_CLAMP < y ? y : LOG_CLAMP;
}

// ---------------------------------------------------------------------------------------------------------------
// float32

const LN2_HI32: f32 = 6.9313812256e-01; // 0x3f317180
const LN2_LO32: f32 = 9.0580006145e-06; // 0x3717f7d1
const LG1_32: f32 = 0.66666662693; // 0xaaaaaa.0p-24
const LG2_32: f32 = 0.40000972152; // 0xccce13.0p-25
const LG3_32: f32 = 0.28498786688; // 0x91e9ee.0p-25
const LG4_32: f32 = 0.24279078841; // 0xf89e26.0p-26
const TWO23: f32 = 8388608.0;
const MIN_NORMAL32: f32 = 1.17549435e-38;
const SHIFT32: i32 = 0x3f800000 - 0x3f3504f3;
const MBASE32: i32 = 0x3f3504f3;
const MANT32: i32 = 0x007fffff;

/** Natural log of each f32 lane of `x` (≤ 2 ulp, tested on every float32 in (0, 1]; specials as Math.log). */
// @ts-ignore: decorator
@inline export function log_f32x4(x: v128): v128 {
  const zero = f32x4.splat(0);
  const tiny = f32x4.lt(x, f32x4.splat(MIN_NORMAL32));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(TWO23)), x, tiny);
  const kAdjust = v128.and(tiny, f32x4.splat(-23.0));
  const ix = i32x4.add(xs, i32x4.splat(SHIFT32));
  const k = f32x4.add(f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(127))), kAdjust);
  const m = i32x4.add(v128.and(ix, i32x4.splat(MANT32)), i32x4.splat(MBASE32));
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const s = f32x4.div(f, f32x4.add(f32x4.splat(2.0), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(f32x4.splat(LG2_32), f32x4.mul(w, f32x4.splat(LG4_32))));
  const t2 = f32x4.mul(z, f32x4.add(f32x4.splat(LG1_32), f32x4.mul(w, f32x4.splat(LG3_32))));
  const r = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(f32x4.splat(0.5), f), f);
  let y = f32x4.mul(s, f32x4.add(hfsq, r));
  y = f32x4.add(y, f32x4.mul(k, f32x4.splat(LN2_LO32)));
  y = f32x4.sub(y, hfsq);
  y = f32x4.add(y, f);
  y = f32x4.add(y, f32x4.mul(k, f32x4.splat(LN2_HI32)));
  const regular = v128.and(f32x4.gt(x, zero), f32x4.lt(x, f32x4.splat(Infinity)));
  const special = v128.bitselect(f32x4.splat(-Infinity),
    v128.bitselect(f32x4.splat(NaN), x, f32x4.lt(x, zero)), f32x4.eq(x, zero));
  return v128.bitselect(y, special, regular);
}

// log_f32x4 for normal arguments only (x ∈ [2^-126, +∞) finite; the BCE term's fast path): the same operations
// in the same order minus the subnormal scaling and the special-case selects, which are identities there, so the
// same bits as log_f32x4 and log_f32. Its constants are loaded from a data segment (ln4(i)): V8 materialises each
// v128.const at every use (a GPR immediate, a move and a shuffle), a load is one instruction.
const LOGN32: usize = memory.data<u32>([
  SHIFT32, SHIFT32, SHIFT32, SHIFT32, 127, 127, 127, 127, MANT32, MANT32, MANT32, MANT32,
  MBASE32, MBASE32, MBASE32, MBASE32, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000,
  0x40000000, 0x40000000, 0x40000000, 0x40000000, 0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000,
  reinterpret<u32>(LG1_32), reinterpret<u32>(LG1_32), reinterpret<u32>(LG1_32), reinterpret<u32>(LG1_32),
  reinterpret<u32>(LG2_32), reinterpret<u32>(LG2_32), reinterpret<u32>(LG2_32), reinterpret<u32>(LG2_32),
  reinterpret<u32>(LG3_32), reinterpret<u32>(LG3_32), reinterpret<u32>(LG3_32), reinterpret<u32>(LG3_32),
  reinterpret<u32>(LG4_32), reinterpret<u32>(LG4_32), reinterpret<u32>(LG4_32), reinterpret<u32>(LG4_32),
  reinterpret<u32>(LN2_LO32), reinterpret<u32>(LN2_LO32), reinterpret<u32>(LN2_LO32), reinterpret<u32>(LN2_LO32),
  reinterpret<u32>(LN2_HI32), reinterpret<u32>(LN2_HI32), reinterpret<u32>(LN2_HI32), reinterpret<u32>(LN2_HI32),
], 16);
const N_SHIFT = 0, N_BIAS = 1, N_MANT = 2, N_MBASE = 3, N_ONE = 4, N_TWO = 5, N_HALF = 6, N_LG1 = 7, N_LN2_LO = 11;
const N_LN2_HI = 12;

/** Constant `i` of LOGN32 in all four lanes (one load). */
// @ts-ignore: decorator
@inline function ln4(i: i32): v128 { return v128.load(LOGN32 + (<usize>i << 4)); }

/** log_f32x4 of lanes that are all normal and finite (≥ 2^-126): the same bits, without the special cases. */
// @ts-ignore: decorator
@inline export function log_normal_f32x4(x: v128): v128 {
  const ix = i32x4.add(x, ln4(N_SHIFT));
  const k = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(ix, 23), ln4(N_BIAS)));
  const m = i32x4.add(v128.and(ix, ln4(N_MANT)), ln4(N_MBASE));
  const f = f32x4.sub(m, ln4(N_ONE));
  const s = f32x4.div(f, f32x4.add(ln4(N_TWO), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(ln4(N_LG1 + 1), f32x4.mul(w, ln4(N_LG1 + 3))));
  const t2 = f32x4.mul(z, f32x4.add(ln4(N_LG1), f32x4.mul(w, ln4(N_LG1 + 2))));
  const r = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(ln4(N_HALF), f), f);
  let y = f32x4.mul(s, f32x4.add(hfsq, r));
  y = f32x4.add(y, f32x4.mul(k, ln4(N_LN2_LO)));
  y = f32x4.sub(y, hfsq);
  y = f32x4.add(y, f);
  return f32x4.add(y, f32x4.mul(k, ln4(N_LN2_HI)));
}

/** Scalar twin of `log_f32x4`. */
// @ts-ignore: decorator
@inline export function log_f32(x: f32): f32 {
  if (!(x > 0 && x < Infinity)) return x == 0 ? <f32>-Infinity : x < 0 ? <f32>NaN : x;
  let kAdjust: f32 = 0;
  let xs = x;
  if (x < MIN_NORMAL32) { xs = x * TWO23; kAdjust = -23.0; }
  const ix = reinterpret<i32>(xs) + SHIFT32;
  const k = <f32>((ix >> 23) - 127) + kAdjust;
  const f = reinterpret<f32>((ix & MANT32) + MBASE32) - <f32>1.0;
  const s = f / (<f32>2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2_32 + w * LG4_32);
  const t2 = z * (LG1_32 + w * LG3_32);
  const r = t2 + t1;
  const hfsq = <f32>0.5 * f * f;
  let y = s * (hfsq + r);
  y = y + k * LN2_LO32;
  y = y - hfsq;
  y = y + f;
  return y + k * LN2_HI32;
}


// ---------------------------------------------------------------------------------------------------------------
// Generic over the element type N = f32 | f64 (for kernels written once with assembly/lanes.ts).

/** log x in N: `log_f32` or `log_f64` (specials as Math.log). */
// @ts-ignore: decorator
@inline export function logOf<N>(x: N): N {
  return sizeof<N>() == 4 ? <N>log_f32(<f32>x) : <N>log_f64(<f64>x);
}

/** log of each N lane: `log_f32x4` or `log_f64x2`. */
// @ts-ignore: decorator
@inline export function logLanes<N>(x: v128): v128 {
  return sizeof<N>() == 4 ? log_f32x4(x) : log_f64x2(x);
}
