// Test-only exports of assembly/math/softplus.ts: elementwise maps and the float32 accuracy sweeps
// (test/log1p.test.ts). Pointer contract of the maps: `x` and `out` are byte offsets of `n` float32s (may alias,
// any alignment). Lanes: 4 per v128, then a scalar tail (the scalar twins).
import { exp1 } from '../math/exp';
import { log1p_f64, log_f64 } from '../math/log';
import { expSplitF1, expSplitF4, log1pUnitF1, log1pUnitF4, softplusTailF1, softplusTailF4 } from '../math/softplus';
import { logExponentF1, logFractionF1, logJoinDiv1, logJoinHf1, logRestF1, logRF1, logSF1 } from '../math/log_split';

/** out[i] = log1p(x[i]) for x[i] ∈ [0, 1], float32 (log1pUnitF4). */
export function log1p_unit_f32_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), log1pUnitF4(v128.load(x + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), log1pUnitF1(load<f32>(x + (<usize>i << 2))));
}

/** out[i] = log1p(e^(−|x[i]|)) for |x[i]| ≤ 87.33, float32 (softplusTailF4). */
export function softplus_tail_f32_map(x: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), softplusTailF4(v128.load(x + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), softplusTailF1(load<f32>(x + (<usize>i << 2))));
}

/** |got − ref| in float32 ulps of ref (ref > 0 finite, float64; the ulp of ref's binade, normal or not). */
// @ts-ignore: decorator
@inline function ulpError(got: f32, ref: f64): f64 {
  if (ref == 0) return got == 0 ? 0 : Infinity;
  const ex = max<i64>(<i64>(reinterpret<u64>(ref) >> 52), 1023 - 126);
  return abs(<f64>got - ref) / reinterpret<f64>((ex - 23) << 52);
}

/** The bit patterns firstBits + i·stride of the first four elements of a sweep. */
// @ts-ignore: decorator
@inline function firstLanes(firstBits: i32, stride: i32): v128 {
  return i32x4.add(i32x4.splat(firstBits), i32x4.mul(i32x4.splat(stride), i32x4(0, 1, 2, 3)));
}

/** The float64 reference of one element: log1p(x), or log1p(e^(−|x|)) for the tail. */
// @ts-ignore: decorator
@inline function reference(x: f64, tail: bool): f64 {
  return tail ? log1p_f64(exp1(-abs<f64>(x))) : log1p_f64(x);
}

/** max(worst, error of got against the reference of x); NaN once anything is NaN. */
// @ts-ignore: decorator
@inline function worse(worst: f64, x: f32, got: f32, tail: bool): f64 {
  const e = ulpError(got, reference(<f64>x, tail));
  return e != e || got != got ? NaN : max<f64>(worst, e);
}

/**
 * The largest error, in float32 ulps of the float64 reference, over the `count` float32s with bit patterns
 * firstBits + i·stride: of log1pUnit (`tail` false; reference log1p_f64, < 1 ulp of float64) or of softplusTail
 * (`tail` true; reference log1p_f64(exp1(−|x|)), a few float64 ulps). The SIMD build runs the lanes on groups of
 * four, the scalar build the twins. A NaN result gives NaN.
 */
// @ts-ignore: decorator
@inline function maxUlpError(firstBits: i32, count: i32, stride: i32, tail: bool): f64 {
  let worst: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = i32x4.splat(stride << 2);
    let bits = firstLanes(firstBits, stride);
    for (; i + 4 <= count; i += 4) {
      const y = tail ? softplusTailF4(bits) : log1pUnitF4(bits);
      worst = worse(worst, f32x4.extract_lane(bits, 0), f32x4.extract_lane(y, 0), tail);
      worst = worse(worst, f32x4.extract_lane(bits, 1), f32x4.extract_lane(y, 1), tail);
      worst = worse(worst, f32x4.extract_lane(bits, 2), f32x4.extract_lane(y, 2), tail);
      worst = worse(worst, f32x4.extract_lane(bits, 3), f32x4.extract_lane(y, 3), tail);
      bits = i32x4.add(bits, step);
    }
  }
  for (; i < count; i++) {
    const x = reinterpret<f32>(firstBits + i * stride);
    worst = worse(worst, x, tail ? softplusTailF1(x) : log1pUnitF1(x), tail);
  }
  return worst;
}

/** maxUlpError of log1pUnit over float32s in [0, 1]. */
export function log1p_unit_f32_max_ulp_error(firstBits: i32, count: i32, stride: i32): f64 {
  return maxUlpError(firstBits, count, stride, false);
}

/** maxUlpError of softplusTail over float32s |x| ≤ 87.33. */
export function softplus_tail_f32_max_ulp_error(firstBits: i32, count: i32, stride: i32): f64 {
  return maxUlpError(firstBits, count, stride, true);
}

/**
 * The largest |log x − log_f64(x)| of math/log_split.ts's tighter join (logJoinHf1: float32 s and R, f²/2 and small
 * in float64), in units of 2^-24, over the `count` float32s with bit patterns firstBits + i·stride (positive
 * normal), against log_f64 (< 1 float64 ulp). Scalar twins in both builds (the lanes are the same operations,
 * their bits checked through GaussianNLL's kernels).
 */
export function split_log_hf_f32_max_abs_error(firstBits: i32, count: i32, stride: i32): f64 {
  let worst: f64 = 0;
  for (let i = 0; i < count; i++) {
    const x = reinterpret<f32>(firstBits + i * stride);
    const f = logFractionF1(x), s = logSF1(f);
    const L = logJoinHf1(<f64>logExponentF1(x), <f64>f, <f64>s, <f64>logRF1(s));
    worst = max<f64>(worst, abs(L - log_f64(<f64>x)) * 16777216.0);
  }
  return worst;
}

/**
 * The same for math/log_split.ts's float64-s join (logJoinDiv1: rest from the float32 s, s and Lg1·s² in float64;
 * the lanes are the same operations, their bits checked through KLDiv's kernels).
 */
export function split_log_div_f32_max_abs_error(firstBits: i32, count: i32, stride: i32): f64 {
  let worst: f64 = 0;
  for (let i = 0; i < count; i++) {
    const x = reinterpret<f32>(firstBits + i * stride);
    const f = logFractionF1(x);
    const L = logJoinDiv1(<f64>logExponentF1(x), <f64>f, <f64>logRestF1(logSF1(f)));
    worst = max<f64>(worst, abs(L - log_f64(<f64>x)) * 16777216.0);
  }
  return worst;
}

/**
 * The largest relative error |hi + lo − e^x| / e^x of math/softplus.ts's expSplitF4 (SIMD build; expSplitF1 in
 * the scalar build), in units of 2^-24, over the `count` float32s with bit patterns firstBits + i·stride, against
 * exp1 (≤ 1 float64 ulp).
 */
export function split_exp_f32_max_rel_error(firstBits: i32, count: i32, stride: i32): f64 {
  let worst: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const step = i32x4.splat(stride << 2);
    let bits = firstLanes(firstBits, stride);
    for (; i + 4 <= count; i += 4) {
      const hi = expSplitF4(bits, false), lo = expSplitF4(bits, true);
      const el = f64x2.add(f64x2.promote_low_f32x4(hi), f64x2.promote_low_f32x4(lo));
      const eh = f64x2.add(f64x2.promote_low_f32x4(i32x4.shuffle(hi, hi, 2, 3, 0, 1)),
        f64x2.promote_low_f32x4(i32x4.shuffle(lo, lo, 2, 3, 0, 1)));
      worst = splitWorse(worst, <f64>f32x4.extract_lane(bits, 0), f64x2.extract_lane(el, 0));
      worst = splitWorse(worst, <f64>f32x4.extract_lane(bits, 1), f64x2.extract_lane(el, 1));
      worst = splitWorse(worst, <f64>f32x4.extract_lane(bits, 2), f64x2.extract_lane(eh, 0));
      worst = splitWorse(worst, <f64>f32x4.extract_lane(bits, 3), f64x2.extract_lane(eh, 1));
      bits = i32x4.add(bits, step);
    }
  }
  for (; i < count; i++) {
    const x = reinterpret<f32>(firstBits + i * stride);
    worst = splitWorse(worst, <f64>x, <f64>expSplitF1(x, false) + <f64>expSplitF1(x, true));
  }
  return worst;
}

// @ts-ignore: decorator
@inline function splitWorse(worst: f64, x: f64, got: f64): f64 {
  const e = exp1(x);
  const r = abs(got - e) / e * 16777216.0;
  return r != r ? NaN : max<f64>(worst, r);
}
