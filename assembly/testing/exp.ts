// Test-only exports of assembly/math/exp.ts: elementwise maps and the float32 accuracy sweep (test/exp.test.ts).
import { expDiffF1, expDiffF4, exp1, exp2x, expf1, expf4, expInRangeF1, expInRangeF4, expLse1, expLse2x, expMinusF1, expMinusF4 } from '../math/exp';

// ---------------------------------------------------------------------------------------------------------------
// Exported maps (used by the accuracy tests, and available to the facade).

/**
 * dst[i] = e^src[i] over float32. Pointer contract: `src` and `dst` are byte offsets of `n` float32s (may alias,
 * may be unaligned). Precision: float32 polynomial (expf4), ≤ 2 ulp on [−104, 0]. Lanes: 4 per v128.
 */
export function exp_f32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, expf4(v128.load(src + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, expf1(load<f32>(src + off)));
  }
}

/**
 * dst[i] = e^src[i] over float32 for src[i] ≤ 0 (the float32 log-sum-exp domain). Pointer contract as exp_f32.
 * Precision: expMinusF4, ≤ 1 ulp on [ln 2^-126, 0], e^(ln 2^-126) below. Lanes: 4 per v128.
 */
export function expm_f32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(dst + off, expMinusF4(v128.load(src + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, expMinusF1(load<f32>(src + off)));
  }
}

/**
 * dst[i] = e^(x[i] − m[i]) over float32 with x[i] ≤ m[i], the difference taken exactly (the CrossEntropy
 * gradient's exp). Pointer contract: x, m, dst byte offsets of n float32s (dst may alias, any alignment).
 * Precision: expDiffF4, ≤ 1 ulp + 2^-25 relative of e^(x − m); +0 where x − m < ln 2^-126 (−Inf, NaN
 * included). Lanes: 4 per v128.
 */
export function exp_diff_f32(x: usize, m: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const vm = v128.load(m + off);
      v128.store(dst + off, expDiffF4(v128.load(x + off), vm, f32x4.neg(vm)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, expDiffF1(load<f32>(x + off), load<f32>(m + off)));
  }
}

/**
 * dst[i] = e^src[i] over float64. Pointer contract: `src` and `dst` are byte offsets of `n` float64s (may alias,
 * may be unaligned). Precision: float64 polynomial (exp2x), ≤ 1 ulp. Lanes: 2 per v128.
 */
export function exp_f64(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(dst + off, exp2x(v128.load(src + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(dst + off, exp1(load<f64>(src + off)));
  }
}

/**
 * dst[i] = e^src[i] for src[i] in [−Inf, 0] (the log-sum-exp domain; NaN is not propagated). Pointer contract:
 * `src` and `dst` are byte offsets of `n` float64s (may alias, may be unaligned). Precision: expLse2x, within
 * e^x·(8·2^-53 + |x|·1.6e-16) on [−708, 0], e^−708 below. Lanes: 2 per v128.
 */
export function exp_lse_f64(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(dst + off, expLse2x(v128.load(src + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(dst + off, expLse1(load<f64>(src + off)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Self-check for the accuracy test (test/exp.test.ts): scanning 1.4e8 float32s through Math.exp in JS takes
// minutes, in wasm seconds.

/** float32 ulp at the magnitude of the float64 values `e` (≥ 0), as f64x2: 2^(max(exponent, −126) − 23). */
// @ts-ignore: decorator
@inline function ulpF32Lanes(e: v128): v128 {
  const ex = i64x2.shr_u(e, 52); // sign bit is 0 for e ≥ 0
  const clamped = v128.bitselect(ex, i64x2.splat(1023 - 126), i64x2.gt_s(ex, i64x2.splat(1023 - 126)));
  return i64x2.shl(i64x2.sub(clamped, i64x2.splat(23)), 52);
}

/**
 * The largest error, in float32 ulps of the true value, of `exp_f32` over the `count` float32s whose bit patterns
 * are `startBits`, `startBits + stride`, …: max |expf(x) − e^x| / ulp(e^x), with e^x from the float64 polynomial
 * (≤ 1 ulp of float64, i.e. ~2^-29 float32 ulp; checked against Math.exp by the test). NaN results propagate.
 * Lanes (SIMD build): 4 inputs per iteration through `expf4`, references on two f64x2 halves; scalar tail.
 */
export function exp_f32_max_ulp_error(startBits: u32, count: i32, stride: u32): f64 {
  return maxUlpError(startBits, count, stride, EXPF);
}

/** `exp_f32_max_ulp_error` of `expMinusF4` / `expMinusF1` (the float32 log-sum-exp exp, for x ≤ 0). */
export function expm_f32_max_ulp_error(startBits: u32, count: i32, stride: u32): f64 {
  return maxUlpError(startBits, count, stride, EXP_MINUS);
}

/** `exp_f32_max_ulp_error` of `expInRangeF4` / `expInRangeF1` (for x in [ln 2^-126, 88]). */
export function expr_f32_max_ulp_error(startBits: u32, count: i32, stride: u32): f64 {
  return maxUlpError(startBits, count, stride, EXP_IN_RANGE);
}

const EXPF = 0, EXP_MINUS = 1, EXP_IN_RANGE = 2;

// @ts-ignore: decorator
@inline function maxUlpError(startBits: u32, count: i32, stride: u32, which: i32): f64 {
  let worst: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let w = f64x2.splat(0);
    const step = i32x4.splat(stride << 2);
    let bits = i32x4.add(i32x4.splat(startBits), i32x4.mul(i32x4.splat(stride), i32x4(0, 1, 2, 3)));
    for (; i + 4 <= count; i += 4) {
      const y = which == EXP_MINUS ? expMinusF4(bits) : which == EXP_IN_RANGE ? expInRangeF4(bits) : expf4(bits);
      const xlo = f64x2.promote_low_f32x4(bits);
      const xhi = f64x2.promote_low_f32x4(i32x4.shuffle(bits, bits, 2, 3, 0, 1));
      const ylo = f64x2.promote_low_f32x4(y);
      const yhi = f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1));
      const elo = exp2x(xlo), ehi = exp2x(xhi);
      w = f64x2.max(w, f64x2.div(f64x2.abs(f64x2.sub(ylo, elo)), ulpF32Lanes(elo)));
      w = f64x2.max(w, f64x2.div(f64x2.abs(f64x2.sub(yhi, ehi)), ulpF32Lanes(ehi)));
      bits = i32x4.add(bits, step);
    }
    worst = max<f64>(f64x2.extract_lane(w, 0), f64x2.extract_lane(w, 1));
  }
  for (; i < count; i++) {
    const x = reinterpret<f32>(startBits + <u32>i * stride);
    const e = exp1(<f64>x);
    const ex = max<i64>(<i64>(reinterpret<u64>(e) >> 52), 1023 - 126);
    const ulp = reinterpret<f64>((ex - 23) << 52);
    const y = which == EXP_MINUS ? expMinusF1(x) : which == EXP_IN_RANGE ? expInRangeF1(x) : expf1(x);
    worst = max<f64>(worst, abs(<f64>y - e) / ulp);
  }
  return worst;
}
