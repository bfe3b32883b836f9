// Lane helpers: the one place that spells out v128 operations per element type, so kernels can be written once
// over N = f32 | f64 (a compile-time type: every `sizeof<N>() == 4` test folds away after inlining).
//
// A v128 holds 4 float32 or 2 float64 lanes (`lanesOf<N>()`). The helpers below are plain SIMD (no relaxed SIMD,
// no FMA), so every engine gives the same bits; they exist only in the SIMD build (callers guard their vector loops
// with `if (ASC_FEATURE_SIMD)` and finish with a scalar tail that performs the same operations per element).

/** Lanes per v128 for element type N: 4 (f32) or 2 (f64). */
// @ts-ignore: decorator
@inline export function lanesOf<N>(): i32 {
  return sizeof<N>() == 4 ? 4 : 2;
}

/** log2 of sizeof<N>(), for byte offsets: i << shiftOf<N>(). */
// @ts-ignore: decorator
@inline export function shiftOf<N>(): usize {
  return sizeof<N>() == 4 ? 2 : 3;
}

/** Element `i` of the N array at byte offset `p`. */
// @ts-ignore: decorator
@inline export function at<N>(p: usize, i: i32): N {
  return load<N>(p + (<usize>i << shiftOf<N>()));
}

/** Stores `v` as element `i` of the N array at `p`. */
// @ts-ignore: decorator
@inline export function put<N>(p: usize, i: i32, v: N): void {
  store<N>(p + (<usize>i << shiftOf<N>()), v);
}

/** The v128 starting at element `i` of the N array at `p` (any alignment). */
// @ts-ignore: decorator
@inline export function vat<N>(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << shiftOf<N>()));
}

/** Stores a v128 at element `i` of the N array at `p`. */
// @ts-ignore: decorator
@inline export function vput<N>(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << shiftOf<N>()), v);
}

// @ts-ignore: decorator
@inline export function vsplat<N>(x: f64): v128 {
  return sizeof<N>() == 4 ? f32x4.splat(<f32>x) : f64x2.splat(x);
}
// @ts-ignore: decorator
@inline export function vadd<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}
// @ts-ignore: decorator
@inline export function vsub<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.sub(a, b) : f64x2.sub(a, b);
}
// @ts-ignore: decorator
@inline export function vmul<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}
// @ts-ignore: decorator
@inline export function vdiv<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.div(a, b) : f64x2.div(a, b);
}
// @ts-ignore: decorator
@inline export function vneg<N>(a: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.neg(a) : f64x2.neg(a);
}
// @ts-ignore: decorator
@inline export function vabs<N>(a: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.abs(a) : f64x2.abs(a);
}
/** IEEE max with NaN propagation (wasm `max`). */
// @ts-ignore: decorator
@inline export function vmax<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.max(a, b) : f64x2.max(a, b);
}
/** Pseudo-max `a < b ? b : a` (one maxps/maxpd on x86; keeps `a` when either is NaN). */
// @ts-ignore: decorator
@inline export function vpmax<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.pmax(a, b) : f64x2.pmax(a, b);
}
/** Pseudo-min `b < a ? b : a`. */
// @ts-ignore: decorator
@inline export function vpmin<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.pmin(a, b) : f64x2.pmin(a, b);
}
// @ts-ignore: decorator
@inline export function vlt<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.lt(a, b) : f64x2.lt(a, b);
}
// @ts-ignore: decorator
@inline export function vle<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.le(a, b) : f64x2.le(a, b);
}
// @ts-ignore: decorator
@inline export function vgt<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.gt(a, b) : f64x2.gt(a, b);
}
// @ts-ignore: decorator
@inline export function vge<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.ge(a, b) : f64x2.ge(a, b);
}
// @ts-ignore: decorator
@inline export function veq<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.eq(a, b) : f64x2.eq(a, b);
}
// @ts-ignore: decorator
@inline export function vne<N>(a: v128, b: v128): v128 {
  return sizeof<N>() == 4 ? f32x4.ne(a, b) : f64x2.ne(a, b);
}
/** Lanes of `a` where `mask` is set, else of `b`. */
// @ts-ignore: decorator
@inline export function vsel(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}

// ---------------------------------------------------------------------------------------------------------------
// Widening (float32 lanes accumulated in float64) and narrowing.

/** float32 lanes 0–1 of `v` as f64x2. */
// @ts-ignore: decorator
@inline export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** float32 lanes 2–3 of `v` as f64x2. */
// @ts-ignore: decorator
@inline export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two f64x2 rounded to float32 and packed into one f32x4 (lo in lanes 0–1, hi in 2–3). */
// @ts-ignore: decorator
@inline export function pack32(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Sum of both f64 lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Adds the lanes of `t` (N lanes) into the f64x2 accumulators `acc`: for f64 `acc + t`, for f32 the two promoted
 * halves added together first. Accumulation is always float64.
 */
// @ts-ignore: decorator
@inline export function widenAdd<N>(acc: v128, t: v128): v128 {
  return sizeof<N>() == 4 ? f64x2.add(acc, f64x2.add(lo64(t), hi64(t))) : f64x2.add(acc, t);
}
