// Test-only exports of assembly/math/log.ts: elementwise maps and the float32 accuracy sweep (test/log.test.ts).
import { log1p_f64, log1p_f64x2, log_clamped_f64, log_clamped_f64x2, log_f32, log_f32x4, log_f64, log_f64x2 } from '../math/log';

// ---------------------------------------------------------------------------------------------------------------
// Exported elementwise maps (for tests and for facade code that needs a plain log), and the float32 accuracy
// sweep. Pointer contract: `x` and `out` are byte offsets of `n` elements of the kernel's dtype, may be unaligned
// and may alias. Lane layout: 2 doubles / 4 floats per v128, scalar tail for the rest.

/** out[i] = log(x[i]), float64. */
export function log_f64_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), log_f64x2(v128.load(x + (<usize>i << 3))));
  }
  for (; i < n; i++) store<f64>(out + (<usize>i << 3), log_f64(load<f64>(x + (<usize>i << 3))));
}

/** out[i] = log1p(x[i]), float64. */
export function log1p_f64_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), log1p_f64x2(v128.load(x + (<usize>i << 3))));
  }
  for (; i < n; i++) store<f64>(out + (<usize>i << 3), log1p_f64(load<f64>(x + (<usize>i << 3))));
}

/** out[i] = max(log x[i], −100) by the BCE log (x[i] ∈ [+0, 1], or any finite x[i] ≥ +0), float64. */
export function log_clamped_f64_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), log_clamped_f64x2(v128.load(x + (<usize>i << 3))));
  }
  for (; i < n; i++) store<f64>(out + (<usize>i << 3), log_clamped_f64(load<f64>(x + (<usize>i << 3))));
}

/** out[i] = log(x[i]), float32 (the ≤ 2 ulp float32 log, not the promoted one). */
export function log_f32_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), log_f32x4(v128.load(x + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), log_f32(load<f32>(x + (<usize>i << 2))));
}

/** |log_f32(x) − log(x)| in float32 ulps of the exact value, for a positive finite reference `ref` = log(x). */
// @ts-ignore: decorator
@inline function ulpError32(got: f32, ref: f64): f64 {
  if (ref == 0) return got == 0 ? 0 : NaN;
  // ulp of a float32 in |ref|'s binade: 2^(exponent(ref) − 23), built from the float64 exponent bits.
  const ulp = reinterpret<f64>((reinterpret<i64>(ref) & 0x7ff0000000000000) - (<i64>23 << 52));
  return abs(<f64>got - ref) / ulp;
}

/** `ulpError32` for two lanes (got already promoted); a zero reference gives 0 when got is 0, else NaN. */
// @ts-ignore: decorator
@inline function ulpErrorLanes(got: v128, ref: v128): v128 {
  const ulp = i64x2.sub(v128.and(ref, i64x2.splat(0x7ff0000000000000)), i64x2.splat(<i64>23 << 52));
  const exactZero = f64x2.eq(ref, f64x2.splat(0));
  const err = f64x2.div(f64x2.abs(f64x2.sub(got, ref)), v128.bitselect(f64x2.splat(1.0), ulp, exactZero));
  return v128.bitselect(v128.bitselect(f64x2.splat(0), f64x2.splat(NaN), f64x2.eq(got, ref)), err, exactZero);
}

/**
 * Self-check of the float32 log: the largest error, in float32 ulps, of `log_f32x4` (SIMD build) or `log_f32`
 * (scalar build) over the `count` positive float32 values with bit patterns firstBits + i·stride (i < count),
 * against the float64 log (< 1 ulp of float64, i.e. exact to ~2^-29 float32 ulps). Used by test/log.test.ts to
 * sweep float32 ranges without a JS loop per value. NaN when a zero reference meets a nonzero result.
 */
export function log_f32_max_ulp_error(firstBits: i32, count: i32, stride: i32): f64 {
  let worst: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = i32x4.splat(stride << 2);
    let bits = i32x4.add(i32x4.splat(firstBits), i32x4.mul(i32x4.splat(stride), i32x4(0, 1, 2, 3)));
    let w = f64x2.splat(0);
    for (; i + 4 <= count; i += 4) {
      const got = log_f32x4(bits);
      const refLo = log_f64x2(f64x2.promote_low_f32x4(bits));
      const refHi = log_f64x2(f64x2.promote_low_f32x4(i32x4.shuffle(bits, bits, 2, 3, 0, 1)));
      w = f64x2.max(w, ulpErrorLanes(f64x2.promote_low_f32x4(got), refLo));
      w = f64x2.max(w, ulpErrorLanes(f64x2.promote_low_f32x4(i32x4.shuffle(got, got, 2, 3, 0, 1)), refHi));
      bits = i32x4.add(bits, step);
    }
    worst = max(f64x2.extract_lane(w, 0), f64x2.extract_lane(w, 1));
  }
  for (; i < count; i++) {
    const x = reinterpret<f32>(firstBits + i * stride);
    worst = max(worst, ulpError32(log_f32(x), log_f64(<f64>x)));
  }
  return worst;
}
