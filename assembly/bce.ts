// Binary cross entropy (PyTorch's F.binary_cross_entropy / nn.BCELoss), as float64 partial sums (reductions)
// or elementwise maps ('none'), with and without a per-element weight.
//
// Formula, exactly as PyTorch 1.13 computes and orders it (so signed zeros and NaN/±∞ targets come out the same):
//   ℓ = (y − 1)·max(log(1 − x), −100) − y·max(log x, −100),  times w[i] when weighted.
// PyTorch 1.13 takes log(1 − x) with 1 − x rounded in the input's dtype, not log1p(−x) (later releases switched
// to log1p): for float64 inputs near 0 the two differ by far more than 1e-12 relative (x = 1e-7: 5e-10;
// x = 1e-38: PyTorch gives 0, log1p 1e-38), so simdloss rounds 1 − x in float64 as PyTorch does. For float32
// inputs 1 − x is exact (or nearly) in float64, so the term is the float64 truth that PyTorch's float32
// arithmetic (1 − x rounded to float32) only approximates. log1p stays available in assembly/log.ts.
// The input must lie in [0, 1]; targets are not checked (as in PyTorch 1.13). The check is fused into the same
// pass: a kernel that meets an input outside [0, 1] (NaN included) records the index of the first one in its
// call, readable through `bce_invalid_index()` (−1 when every input was valid), and returns NaN / leaves
// garbage in `out`; the facade then throws. Every kernel call resets the index first.
//
// Pointer contract: `x`, `y`, `w` and `out` are byte offsets of `n` contiguous elements of the kernel's dtype;
// they may be unaligned, and `out` may alias an operand. Nothing is allocated, nothing throws.
//
// Precision: every term is computed in float64 with the float64 log of assembly/log.ts (< 1 ulp; see
// there why float32 inputs are promoted rather than run through the float32 log), and sums accumulate in
// float64 in several lane accumulators, so a float32 result rounded once by the facade is the float64 value
// rounded once. Maps round each float64 term (weight included) once to the output dtype.
//
// Lane layout: f32 kernels load 4 floats per v128 and promote them to two f64x2 halves (lanes 0-1, lanes 2-3);
// f64 kernels load 2 doubles per v128, two vectors per iteration. Every SIMD loop has a scalar tail computing the
// same operations, so both builds give the same terms bit for bit.
import { log_f64, log_f64x2 } from './log';

/** Index of the first input outside [0, 1] in the last kernel call, or −1. */
let firstInvalid: i32 = -1;

/** The index (within the last call's `n` elements) of the first input outside [0, 1], or −1 if none was. */
export function bce_invalid_index(): i32 {
  return firstInvalid;
}

/** PyTorch clamps both logs at −100, so x = 0 or 1 gives a finite loss. */
const LOG_FLOOR: f64 = -100.0;

// ---------------------------------------------------------------------------------------------------------------
// Terms.

/** ℓ(x, y) in float64, scalar. */
// @ts-ignore: decorator
@inline function term(x: f64, y: f64): f64 {
  return (y - 1.0) * max(log_f64(1.0 - x), LOG_FLOOR) - y * max(log_f64(x), LOG_FLOOR);
}

/** ℓ(x, y) for two f64 lanes (same operations as `term`). */
// @ts-ignore: decorator
@inline function lanes(x: v128, y: v128): v128 {
  const floor = f64x2.splat(LOG_FLOOR);
  const a = f64x2.max(log_f64x2(f64x2.sub(f64x2.splat(1.0), x)), floor);
  const b = f64x2.max(log_f64x2(x), floor);
  return f64x2.sub(f64x2.mul(f64x2.sub(y, f64x2.splat(1.0)), a), f64x2.mul(y, b));
}

/** All-ones lanes where the f32 lane is outside [0, 1] or NaN. */
// @ts-ignore: decorator
@inline function outside32(x: v128): v128 {
  return v128.not(v128.and(f32x4.ge(x, f32x4.splat(0)), f32x4.le(x, f32x4.splat(1))));
}

/** All-ones lanes where the f64 lane is outside [0, 1] or NaN. */
// @ts-ignore: decorator
@inline function outside64(x: v128): v128 {
  return v128.not(v128.and(f64x2.ge(x, f64x2.splat(0)), f64x2.le(x, f64x2.splat(1))));
}

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/**
 * Index of the first input outside [0, 1]; the sum kernels only keep a flag in their loop and run this scan once
 * they have seen an invalid input, so it costs nothing on valid data.
 */
function findInvalid(x: usize, n: i32, f32: bool): i32 {
  for (let i = 0; i < n; i++) {
    const v = f32 ? <f64>load<f32>(x + (<usize>i << 2)) : load<f64>(x + (<usize>i << 3));
    if (!(v >= 0 && v <= 1)) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic loops; `weighted` is a compile-time constant at every call site, so each export is a straight loop.

/** Σ ℓ(x[i], y[i]) (· w[i]) over float32 operands; 4 elements per SIMD iteration into 2 f64x2 accumulators. */
// @ts-ignore: decorator
@inline function sumF32(weighted: bool, x: usize, y: usize, w: usize, n: i32): f64 {
  firstInvalid = -1;
  let i = 0;
  let acc: f64 = 0;
  let bad = false;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = s0;
    let badLanes = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const xv = v128.load(x + off), yv = v128.load(y + off);
      badLanes = v128.or(badLanes, outside32(xv));
      let lo = lanes(lo64(xv), lo64(yv));
      let hi = lanes(hi64(xv), hi64(yv));
      if (weighted) {
        const wv = v128.load(w + off);
        lo = f64x2.mul(lo, lo64(wv));
        hi = f64x2.mul(hi, hi64(wv));
      }
      s0 = f64x2.add(s0, lo);
      s1 = f64x2.add(s1, hi);
    }
    acc = hsum(f64x2.add(s0, s1));
    bad = v128.any_true(badLanes);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const xv = <f64>load<f32>(x + off);
    if (!(xv >= 0 && xv <= 1)) bad = true;
    let t = term(xv, <f64>load<f32>(y + off));
    if (weighted) t *= <f64>load<f32>(w + off);
    acc += t;
  }
  if (bad) {
    firstInvalid = findInvalid(x, n, true);
    return NaN;
  }
  return acc;
}

/** Σ ℓ(x[i], y[i]) (· w[i]) over float64 operands; 4 elements per SIMD iteration into 2 f64x2 accumulators. */
// @ts-ignore: decorator
@inline function sumF64(weighted: bool, x: usize, y: usize, w: usize, n: i32): f64 {
  firstInvalid = -1;
  let i = 0;
  let acc: f64 = 0;
  let bad = false;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = s0;
    let badLanes = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 3;
      const x0 = v128.load(x + off), x1 = v128.load(x + off, 16);
      badLanes = v128.or(badLanes, v128.or(outside64(x0), outside64(x1)));
      let t0 = lanes(x0, v128.load(y + off));
      let t1 = lanes(x1, v128.load(y + off, 16));
      if (weighted) {
        t0 = f64x2.mul(t0, v128.load(w + off));
        t1 = f64x2.mul(t1, v128.load(w + off, 16));
      }
      s0 = f64x2.add(s0, t0);
      s1 = f64x2.add(s1, t1);
    }
    acc = hsum(f64x2.add(s0, s1));
    bad = v128.any_true(badLanes);
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    const xv = load<f64>(x + off);
    if (!(xv >= 0 && xv <= 1)) bad = true;
    let t = term(xv, load<f64>(y + off));
    if (weighted) t *= load<f64>(w + off);
    acc += t;
  }
  if (bad) {
    firstInvalid = findInvalid(x, n, false);
    return NaN;
  }
  return acc;
}

/** out[i] = f32(ℓ(x[i], y[i]) (· w[i])), each term computed in float64 and rounded once. */
// @ts-ignore: decorator
@inline function mapF32(weighted: bool, x: usize, y: usize, w: usize, out: usize, n: i32): void {
  // The first invalid index is found in the loop (not by a later scan), because `out` may alias `x`.
  firstInvalid = -1;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const xv = v128.load(x + off), yv = v128.load(y + off);
      const o = i32x4.bitmask(outside32(xv));
      if (o != 0 && firstInvalid < 0) firstInvalid = i + ctz(o);
      let lo = lanes(lo64(xv), lo64(yv));
      let hi = lanes(hi64(xv), hi64(yv));
      if (weighted) {
        const wv = v128.load(w + off);
        lo = f64x2.mul(lo, lo64(wv));
        hi = f64x2.mul(hi, hi64(wv));
      }
      v128.store(out + off, i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const xv = <f64>load<f32>(x + off);
    if (!(xv >= 0 && xv <= 1) && firstInvalid < 0) firstInvalid = i;
    let t = term(xv, <f64>load<f32>(y + off));
    if (weighted) t *= <f64>load<f32>(w + off);
    store<f32>(out + off, <f32>t);
  }
}

/** out[i] = ℓ(x[i], y[i]) (· w[i]) in float64; invalid inputs found in the loop, as in `mapF32`. */
// @ts-ignore: decorator
@inline function mapF64(weighted: bool, x: usize, y: usize, w: usize, out: usize, n: i32): void {
  firstInvalid = -1;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      const xv = v128.load(x + off);
      const o = i64x2.bitmask(outside64(xv));
      if (o != 0 && firstInvalid < 0) firstInvalid = i + ctz(o);
      let t = lanes(xv, v128.load(y + off));
      if (weighted) t = f64x2.mul(t, v128.load(w + off));
      v128.store(out + off, t);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    const xv = load<f64>(x + off);
    if (!(xv >= 0 && xv <= 1) && firstInvalid < 0) firstInvalid = i;
    let t = term(xv, load<f64>(y + off));
    if (weighted) t *= load<f64>(w + off);
    store<f64>(out + off, t);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Exported kernels. `*_sum_*` return the float64 sum of the n terms (NaN after an invalid input); the others
// write the n terms to `out`. Check `bce_invalid_index()` after each call.

/** Σ ℓ(x[i], y[i]) over float32 x, y. */
export function bce_sum_f32(x: usize, y: usize, n: i32): f64 { return sumF32(false, x, y, 0, n); }
/** Σ ℓ(x[i], y[i]) over float64 x, y. */
export function bce_sum_f64(x: usize, y: usize, n: i32): f64 { return sumF64(false, x, y, 0, n); }
/** Σ w[i]·ℓ(x[i], y[i]) over float32 x, y, w. */
export function bce_weighted_sum_f32(x: usize, y: usize, w: usize, n: i32): f64 { return sumF32(true, x, y, w, n); }
/** Σ w[i]·ℓ(x[i], y[i]) over float64 x, y, w. */
export function bce_weighted_sum_f64(x: usize, y: usize, w: usize, n: i32): f64 { return sumF64(true, x, y, w, n); }
/** out[i] = ℓ(x[i], y[i]), float32. */
export function bce_f32(x: usize, y: usize, out: usize, n: i32): void { mapF32(false, x, y, 0, out, n); }
/** out[i] = ℓ(x[i], y[i]), float64. */
export function bce_f64(x: usize, y: usize, out: usize, n: i32): void { mapF64(false, x, y, 0, out, n); }
/** out[i] = w[i]·ℓ(x[i], y[i]), float32. */
export function bce_weighted_f32(x: usize, y: usize, w: usize, out: usize, n: i32): void { mapF32(true, x, y, w, out, n); }
/** out[i] = w[i]·ℓ(x[i], y[i]), float64. */
export function bce_weighted_f64(x: usize, y: usize, w: usize, out: usize, n: i32): void { mapF64(true, x, y, w, out, n); }
