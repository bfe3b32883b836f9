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
// Precision: every term is computed in float64 with the clamped float64 log of assembly/log.ts (< 1 ulp; see
// there why float32 inputs are promoted rather than run through the float32 log), and sums accumulate in
// float64 in several lane accumulators, so a float32 result rounded once by the facade is the float64 value
// rounded once. Maps round each float64 term (weight included) once to the output dtype.
//
// Lane layout: f32 kernels load 4 floats per v128 and promote them to two f64x2 halves (lanes 0-1, lanes 2-3);
// f64 kernels load 2 doubles per v128, two vectors per iteration in the sums. Every SIMD loop has a scalar tail
// computing the same operations, so both builds give the same terms bit for bit.
//
// Speed: the logs are the cost (31 wasm SIMD operations per f64x2 log, see log_clamped_f64x2). Per 4 float32
// elements the sum loop is ~150 wasm operations with soft targets (4 logs) and ~90 with hard ones (2 logs);
// V8 11.3 turns them into ~256 and ~184 x64 instructions (a quarter are spill reloads: 16 xmm registers), where
// the previous loop, on the general log_f64x2 and wasm's NaN-propagating max, took 484. Measured on the 2-core
// Xeon: kernel 2.0× faster with soft targets, 2.6× with hard ones.
//   - inputs get `+ 0` first (−0 → +0), which lets the log skip all special cases (see log_clamped_f64x2) and
//     makes the float32 range check one unsigned max per 4 inputs (bits ≤ 0x3f800000 ⟺ x ∈ [+0, 1]).
//   - hard targets: when all lanes of a vector have y exactly +0 or 1 (bit compares), one of the two logs is
//     multiplied by 0 and only changes the sign of a zero, so one log per element gives the same bits (see
//     `hardLanes`); a vector-level branch, predictable on uniform data, and never taken for soft targets.
import { log_clamped_f64, log_clamped_f64x2 } from './log';

/** Index of the first input outside [0, 1] in the last kernel call, or −1. */
let firstInvalid: i32 = -1;

/** The index (within the last call's `n` elements) of the first input outside [0, 1], or −1 if none was. */
export function bce_invalid_index(): i32 {
  return firstInvalid;
}

/** Bits of 1.0f: after `+ 0` (−0 → +0) an f32 lies in [0, 1] exactly when its bits are ≤ this, unsigned. */
const ONE_BITS32: i32 = 0x3f800000;
/** Bits of 1.0. */
const ONE_BITS64: i64 = 0x3ff0000000000000;

// ---------------------------------------------------------------------------------------------------------------
// Terms.

/** ℓ(x, y) in float64, scalar; both logs clamped at −100 as PyTorch does. `x + 0` turns −0 into +0 for the log. */
// @ts-ignore: decorator
@inline function term(x: f64, y: f64): f64 {
  return (y - 1.0) * log_clamped_f64(1.0 - x) - y * log_clamped_f64(x + 0.0);
}

/** ℓ(x, y) for two f64 lanes (same operations as `term`); `x` must already be +0-normalised. */
// @ts-ignore: decorator
@inline function lanes(x: v128, y: v128): v128 {
  const a = log_clamped_f64x2(f64x2.sub(f64x2.splat(1.0), x));
  const b = log_clamped_f64x2(x);
  return f64x2.sub(f64x2.mul(f64x2.sub(y, f64x2.splat(1.0)), a), f64x2.mul(y, b));
}

/**
 * ℓ(x, y) for two f64 lanes whose targets are all exactly +0 or 1 (same bits as `lanes`, one log instead of two).
 * With y = 1, ℓ = 0·A − B = −B; with y = +0, ℓ = −A − 0·B = 0 − A (A = log(1 − x), B = log x, both clamped and
 * never NaN for x in [0, 1]). The zero signs match too: at x = 1, y = 1, B = +0 and PyTorch's 0·(−100) − 0 = −0
 * = −B; at x = 0, y = 0, A = +0 and −0 − (−0) = +0 = 0 − A. y = −0 is not in this path: it gives −0 there.
 */
// @ts-ignore: decorator
@inline function hardLanes(x: v128, y: v128): v128 {
  const isOne = f64x2.eq(y, f64x2.splat(1.0));
  const l = log_clamped_f64x2(v128.bitselect(x, f64x2.sub(f64x2.splat(1.0), x), isOne));
  return v128.bitselect(f64x2.neg(l), f64x2.sub(f64x2.splat(0), l), isOne);
}

/** True when all four f32 targets are exactly +0 or 1 (bit compares, so −0 and NaN are not). */
// @ts-ignore: decorator
@inline function hard32(y: v128): bool {
  return i32x4.all_true(v128.or(i32x4.eq(y, i32x4.splat(0)), i32x4.eq(y, i32x4.splat(ONE_BITS32))));
}

/** True when both f64 targets of `y` are exactly +0 or 1. */
// @ts-ignore: decorator
@inline function hard64(y: v128): v128 {
  return v128.or(i64x2.eq(y, i64x2.splat(0)), i64x2.eq(y, i64x2.splat(ONE_BITS64)));
}

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/** True when the scalar (float64 or promoted float32) input is outside [0, 1] or NaN. */
// @ts-ignore: decorator
@inline function outside(v: f64): bool { return !(v >= 0 && v <= 1); }

/** All-ones f64 lanes where the lane is inside [0, 1] (−0 included; NaN not). */
// @ts-ignore: decorator
@inline function inside64(x: v128): v128 {
  return v128.and(f64x2.ge(x, f64x2.splat(0)), f64x2.le(x, f64x2.splat(1)));
}

/** Index of the first input outside [0, 1], or −1 (vector blocks first, then the exact lane). */
function findInvalid(x: usize, n: i32, f32: bool): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Whole vectors skip ahead; the scalar loop below then stops in the first bad block or the tail.
    if (f32) {
      for (; i + 4 <= n; i += 4) {
        const v = f32x4.add(v128.load(x + (<usize>i << 2)), f32x4.splat(0));
        if (v128.any_true(i32x4.gt_u(v, i32x4.splat(ONE_BITS32)))) break;
      }
    } else {
      for (; i + 2 <= n; i += 2) {
        if (!i64x2.all_true(inside64(v128.load(x + (<usize>i << 3))))) break;
      }
    }
  }
  for (; i < n; i++) {
    const v = f32 ? <f64>load<f32>(x + (<usize>i << 2)) : load<f64>(x + (<usize>i << 3));
    if (outside(v)) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic loops; `weighted` is a compile-time constant at every call site, so each export is a straight loop.
// Sums fuse the range check into the loop (one unsigned max per 4 float32 inputs) and locate the first invalid
// input only after seeing one; maps scan first, because `out` may alias `x`.

/** Σ ℓ(x[i], y[i]) (· w[i]) over float32 operands; 4 elements per SIMD iteration into 2 f64x2 accumulators. */
// @ts-ignore: decorator
@inline function sumF32(weighted: bool, x: usize, y: usize, w: usize, n: i32): f64 {
  firstInvalid = -1;
  let i = 0;
  let acc: f64 = 0;
  let bad = false;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = s0;
    let maxBits = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      // + 0 turns −0 into +0: the log needs a clear sign bit, and the unsigned bit test accepts −0 as PyTorch does.
      const xv = f32x4.add(v128.load(x + off), f32x4.splat(0));
      const yv = v128.load(y + off);
      maxBits = i32x4.max_u(maxBits, xv);
      let lo: v128, hi: v128;
      if (hard32(yv)) {
        lo = hardLanes(lo64(xv), lo64(yv));
        hi = hardLanes(hi64(xv), hi64(yv));
      } else {
        lo = lanes(lo64(xv), lo64(yv));
        hi = lanes(hi64(xv), hi64(yv));
      }
      if (weighted) {
        const wv = v128.load(w + off);
        lo = f64x2.mul(lo, lo64(wv));
        hi = f64x2.mul(hi, hi64(wv));
      }
      s0 = f64x2.add(s0, lo);
      s1 = f64x2.add(s1, hi);
    }
    acc = hsum(f64x2.add(s0, s1));
    bad = v128.any_true(i32x4.gt_u(maxBits, i32x4.splat(ONE_BITS32)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const xv = <f64>load<f32>(x + off);
    if (outside(xv)) bad = true;
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
    let ok = i64x2.splat(-1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 3;
      const x0 = f64x2.add(v128.load(x + off), f64x2.splat(0));
      const x1 = f64x2.add(v128.load(x + off, 16), f64x2.splat(0));
      ok = v128.and(ok, v128.and(inside64(x0), inside64(x1)));
      const y0 = v128.load(y + off), y1 = v128.load(y + off, 16);
      let t0: v128, t1: v128;
      if (i64x2.all_true(v128.and(hard64(y0), hard64(y1)))) {
        t0 = hardLanes(x0, y0);
        t1 = hardLanes(x1, y1);
      } else {
        t0 = lanes(x0, y0);
        t1 = lanes(x1, y1);
      }
      if (weighted) {
        t0 = f64x2.mul(t0, v128.load(w + off));
        t1 = f64x2.mul(t1, v128.load(w + off, 16));
      }
      s0 = f64x2.add(s0, t0);
      s1 = f64x2.add(s1, t1);
    }
    acc = hsum(f64x2.add(s0, s1));
    bad = !i64x2.all_true(ok);
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    const xv = load<f64>(x + off);
    if (outside(xv)) bad = true;
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
  firstInvalid = findInvalid(x, n, true);
  if (firstInvalid >= 0) return;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const xv = f32x4.add(v128.load(x + off), f32x4.splat(0)), yv = v128.load(y + off);
      let lo: v128, hi: v128;
      if (hard32(yv)) {
        lo = hardLanes(lo64(xv), lo64(yv));
        hi = hardLanes(hi64(xv), hi64(yv));
      } else {
        lo = lanes(lo64(xv), lo64(yv));
        hi = lanes(hi64(xv), hi64(yv));
      }
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
    let t = term(<f64>load<f32>(x + off), <f64>load<f32>(y + off));
    if (weighted) t *= <f64>load<f32>(w + off);
    store<f32>(out + off, <f32>t);
  }
}

/** out[i] = ℓ(x[i], y[i]) (· w[i]) in float64. */
// @ts-ignore: decorator
@inline function mapF64(weighted: bool, x: usize, y: usize, w: usize, out: usize, n: i32): void {
  firstInvalid = findInvalid(x, n, false);
  if (firstInvalid >= 0) return;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      const xv = f64x2.add(v128.load(x + off), f64x2.splat(0)), yv = v128.load(y + off);
      let t = i64x2.all_true(hard64(yv)) ? hardLanes(xv, yv) : lanes(xv, yv);
      if (weighted) t = f64x2.mul(t, v128.load(w + off));
      v128.store(out + off, t);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    let t = term(load<f64>(x + off), load<f64>(y + off));
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
