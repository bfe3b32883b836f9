// Pointwise regression losses: MSE, L1 and SmoothL1, as float64 partial sums (reductions) or elementwise maps
// ('none').
//
// Pointer contract (all kernels here): `a`, `b` and `out` are byte offsets of `n` contiguous elements of the
// kernel's dtype; they may be unaligned and `out` may alias `a` or `b`. Nothing is allocated, nothing throws.
//
// Precision: each element's term is computed in float64 (float32 lanes are promoted first), and sums are
// accumulated in float64 across several independent lane accumulators, so a float32 result rounded once by the
// facade is the float64 value rounded once. Lane layout: f32 kernels load 2 floats at a time (a 64-bit load into
// the low half of a v128) and promote them to one f64x2; f64 kernels load 2 doubles per v128. Every SIMD loop has a
// scalar tail, and the scalar build (no `simd` feature) runs the tails alone.

// ---------------------------------------------------------------------------------------------------------------
// Lane helpers (inlined; only compiled into the SIMD build).

/**
 * Two float32 at byte offset `p + off`, promoted to f64x2. A 64-bit load feeds the promotion directly: promoting
 * the high half of a 128-bit load needs a shuffle first, and shuffles and conversions compete for the same
 * execution port on x86, which made the shuffle version ~1.5× slower.
 */
// @ts-ignore: decorator
@inline function load2(p: usize, off: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + off));
}

/** Sum of both f64 lanes. */
// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Which loss: a compile-time constant at every call site, so after inlining the optimiser folds each `op == …`
// test away and every exported kernel is a straight loop.

const SQ: i32 = 0; // MSE:      (a − b)²
const ABS: i32 = 1; // L1:       |a − b|
const SMOOTH: i32 = 2; // SmoothL1: 0.5·d²/β if |d| < β else |d| − 0.5·β, with d = a − b and β > 0

/** Scalar term of loss `op` for the difference `d`; `halfOverBeta` = 0.5/β and `beta` only matter for SMOOTH. */
// @ts-ignore: decorator
@inline function term(op: i32, d: f64, beta: f64, halfOverBeta: f64): f64 {
  if (op == SQ) return d * d;
  if (op == ABS) return abs(d);
  const ad = abs(d);
  return ad < beta ? d * d * halfOverBeta : ad - 0.5 * beta;
}

/** Two-lane term of loss `op` for the f64x2 difference `d` (same formula as `term`, lane by lane). */
// @ts-ignore: decorator
@inline function lanes(op: i32, d: v128, beta: v128, halfOverBeta: v128, halfBeta: v128): v128 {
  if (op == SQ) return f64x2.mul(d, d);
  if (op == ABS) return f64x2.abs(d);
  const ad = f64x2.abs(d);
  const quad = f64x2.mul(f64x2.mul(d, d), halfOverBeta);
  return v128.bitselect(quad, f64x2.sub(ad, halfBeta), f64x2.lt(ad, beta));
}

/**
 * Two-lane term for the sum kernels. MSE and L1 as `lanes`; SmoothL1 without a select: with m = min(|d|, β),
 * m·(m·0.5/β) + (|d| − m) is 0.5·d²/β below β and 0.5·β + (|d| − β) above it, each within two roundings of the
 * `lanes` value. A sum tolerates that (far inside the float64 summation bound); the maps keep `lanes`, whose terms
 * match the scalar formula bit for bit. m·(m·0.5/β) rather than (m·m)·0.5/β so m² cannot overflow for a huge β.
 * pmin (`β < |d| ? β : |d|`) is one instruction and keeps a NaN |d|; the select it replaces is a compare and
 * three logic ops on x86.
 */
// @ts-ignore: decorator
@inline function sumLanes(op: i32, d: v128, beta: v128, halfOverBeta: v128, halfBeta: v128): v128 {
  if (op != SMOOTH) return lanes(op, d, beta, halfOverBeta, halfBeta);
  const ad = f64x2.abs(d);
  const m = f64x2.pmin(ad, beta);
  return f64x2.add(f64x2.mul(m, f64x2.mul(m, halfOverBeta)), f64x2.sub(ad, m));
}

// ---------------------------------------------------------------------------------------------------------------
// Generic loops (inlined into each exported kernel).

/** Σ term(a[i] − b[i]) over float32 inputs; 8 elements per SIMD iteration into 4 f64x2 accumulators. */
// @ts-ignore: decorator
@inline function sumF32(op: i32, a: usize, b: usize, n: i32, beta: f64): f64 {
  const hob = op == SMOOTH ? 0.5 / beta : 0.0;
  let i = 0;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vb = f64x2.splat(beta), vhob = f64x2.splat(hob), vhb = f64x2.splat(0.5 * beta);
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 8 <= n; i += 8) {
      const off = <usize>i << 2;
      // Promote the operands, not their f32 difference (which is rounded unless Sterbenz applies).
      s0 = f64x2.add(s0, sumLanes(op, f64x2.sub(load2(a, off), load2(b, off)), vb, vhob, vhb));
      s1 = f64x2.add(s1, sumLanes(op, f64x2.sub(load2(a, off + 8), load2(b, off + 8)), vb, vhob, vhb));
      s2 = f64x2.add(s2, sumLanes(op, f64x2.sub(load2(a, off + 16), load2(b, off + 16)), vb, vhob, vhb));
      s3 = f64x2.add(s3, sumLanes(op, f64x2.sub(load2(a, off + 24), load2(b, off + 24)), vb, vhob, vhb));
    }
    acc = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    acc += term(op, <f64>load<f32>(a + off) - <f64>load<f32>(b + off), beta, hob);
  }
  return acc;
}

/** Σ term(a[i] − b[i]) over float64 inputs; 8 elements per SIMD iteration into 4 f64x2 accumulators. */
// @ts-ignore: decorator
@inline function sumF64(op: i32, a: usize, b: usize, n: i32, beta: f64): f64 {
  const hob = op == SMOOTH ? 0.5 / beta : 0.0;
  let i = 0;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vb = f64x2.splat(beta), vhob = f64x2.splat(hob), vhb = f64x2.splat(0.5 * beta);
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 8 <= n; i += 8) {
      const off = <usize>i << 3;
      s0 = f64x2.add(s0, sumLanes(op, f64x2.sub(v128.load(a + off), v128.load(b + off)), vb, vhob, vhb));
      s1 = f64x2.add(s1, sumLanes(op, f64x2.sub(v128.load(a + off, 16), v128.load(b + off, 16)), vb, vhob, vhb));
      s2 = f64x2.add(s2, sumLanes(op, f64x2.sub(v128.load(a + off, 32), v128.load(b + off, 32)), vb, vhob, vhb));
      s3 = f64x2.add(s3, sumLanes(op, f64x2.sub(v128.load(a + off, 48), v128.load(b + off, 48)), vb, vhob, vhb));
    }
    acc = hsum(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    acc += term(op, load<f64>(a + off) - load<f64>(b + off), beta, hob);
  }
  return acc;
}

/**
 * SmoothL1 sums split in two, for β ≤ SPLIT_BETA_MAX: with m = min(|d|, β) (pmin, NaN-preserving),
 *   Σ smoothL1(d) = (0.5/β)·Σ m² + Σ (|d| − m),
 * since below β the second part is 0 and above it m² = β² gives 0.5·β. Two sets of accumulators (Σm² and
 * Σ(|d| − m)) leave one multiply per two elements out of the loop, ~20% of the SmoothL1 sum kernel. Above
 * SPLIT_BETA_MAX, β² could overflow: the kernels fall back to the per-term `sumLanes`.
 */
const SPLIT_BETA_MAX: f64 = 1e150;

/** Two elements from element index `i` of a float32 (`f32`) or float64 array, as f64x2. */
// @ts-ignore: decorator
@inline function pairAt(f32: bool, p: usize, i: i32): v128 {
  return f32 ? load2(p, <usize>i << 2) : v128.load(p + (<usize>i << 3));
}

/** Element `i` of a float32 (`f32`) or float64 array, as f64. */
// @ts-ignore: decorator
@inline function elemAt(f32: bool, p: usize, i: i32): f64 {
  return f32 ? <f64>load<f32>(p + (<usize>i << 2)) : load<f64>(p + (<usize>i << 3));
}

/**
 * Σ smoothL1 in the split form over float32 (`f32`, a compile-time constant) or float64 inputs; 8 elements per
 * SIMD iteration into 2 + 2 f64x2 accumulators.
 */
// @ts-ignore: decorator
@inline function smoothSplit(f32: bool, a: usize, b: usize, n: i32, beta: f64): f64 {
  const vb = f64x2.splat(beta);
  let q0 = f64x2.splat(0), q1 = q0, l0 = q0, l1 = q0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const d0 = f64x2.abs(f64x2.sub(pairAt(f32, a, i), pairAt(f32, b, i)));
    const d1 = f64x2.abs(f64x2.sub(pairAt(f32, a, i + 2), pairAt(f32, b, i + 2)));
    const d2 = f64x2.abs(f64x2.sub(pairAt(f32, a, i + 4), pairAt(f32, b, i + 4)));
    const d3 = f64x2.abs(f64x2.sub(pairAt(f32, a, i + 6), pairAt(f32, b, i + 6)));
    const m0 = f64x2.pmin(d0, vb), m1 = f64x2.pmin(d1, vb), m2 = f64x2.pmin(d2, vb), m3 = f64x2.pmin(d3, vb);
    q0 = f64x2.add(q0, f64x2.add(f64x2.mul(m0, m0), f64x2.mul(m2, m2)));
    q1 = f64x2.add(q1, f64x2.add(f64x2.mul(m1, m1), f64x2.mul(m3, m3)));
    l0 = f64x2.add(l0, f64x2.add(f64x2.sub(d0, m0), f64x2.sub(d2, m2)));
    l1 = f64x2.add(l1, f64x2.add(f64x2.sub(d1, m1), f64x2.sub(d3, m3)));
  }
  const hob = 0.5 / beta;
  let acc = hob * hsum(f64x2.add(q0, q1)) + hsum(f64x2.add(l0, l1));
  for (; i < n; i++) acc += term(SMOOTH, elemAt(f32, a, i) - elemAt(f32, b, i), beta, hob);
  return acc;
}

/** out[i] = f32(term(a[i] − b[i])): each element computed in float64 and rounded once. */
// @ts-ignore: decorator
@inline function mapF32(op: i32, a: usize, b: usize, out: usize, n: i32, beta: f64): void {
  const hob = op == SMOOTH ? 0.5 / beta : 0.0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb = f64x2.splat(beta), vhob = f64x2.splat(hob), vhb = f64x2.splat(0.5 * beta);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const lo = f32x4.demote_f64x2_zero(lanes(op, f64x2.sub(load2(a, off), load2(b, off)), vb, vhob, vhb));
      const hi = f32x4.demote_f64x2_zero(lanes(op, f64x2.sub(load2(a, off + 8), load2(b, off + 8)), vb, vhob, vhb));
      v128.store(out + off, i32x4.shuffle(lo, hi, 0, 1, 4, 5));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, <f32>term(op, <f64>load<f32>(a + off) - <f64>load<f32>(b + off), beta, hob));
  }
}

/** out[i] = term(a[i] − b[i]) in float64. */
// @ts-ignore: decorator
@inline function mapF64(op: i32, a: usize, b: usize, out: usize, n: i32, beta: f64): void {
  const hob = op == SMOOTH ? 0.5 / beta : 0.0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb = f64x2.splat(beta), vhob = f64x2.splat(hob), vhb = f64x2.splat(0.5 * beta);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(out + off, lanes(op, f64x2.sub(v128.load(a + off), v128.load(b + off)), vb, vhob, vhb));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(out + off, term(op, load<f64>(a + off) - load<f64>(b + off), beta, hob));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Exported kernels. `*_sum_*` return the float64 sum of the n terms; the others write the n terms to `out`.
// SmoothL1 kernels require β > 0 (the facade routes β = 0 to L1, as PyTorch does).

/** Σ (a[i] − b[i])² over float32 a, b. */
export function sq_diff_sum_f32(a: usize, b: usize, n: i32): f64 { return sumF32(SQ, a, b, n, 0); }
/** Σ (a[i] − b[i])² over float64 a, b. */
export function sq_diff_sum_f64(a: usize, b: usize, n: i32): f64 { return sumF64(SQ, a, b, n, 0); }
/** out[i] = (a[i] − b[i])², float32. */
export function sq_diff_f32(a: usize, b: usize, out: usize, n: i32): void { mapF32(SQ, a, b, out, n, 0); }
/** out[i] = (a[i] − b[i])², float64. */
export function sq_diff_f64(a: usize, b: usize, out: usize, n: i32): void { mapF64(SQ, a, b, out, n, 0); }

/** Σ |a[i] − b[i]| over float32 a, b. */
export function abs_diff_sum_f32(a: usize, b: usize, n: i32): f64 { return sumF32(ABS, a, b, n, 0); }
/** Σ |a[i] − b[i]| over float64 a, b. */
export function abs_diff_sum_f64(a: usize, b: usize, n: i32): f64 { return sumF64(ABS, a, b, n, 0); }
/** out[i] = |a[i] − b[i]|, float32. */
export function abs_diff_f32(a: usize, b: usize, out: usize, n: i32): void { mapF32(ABS, a, b, out, n, 0); }
/** out[i] = |a[i] − b[i]|, float64. */
export function abs_diff_f64(a: usize, b: usize, out: usize, n: i32): void { mapF64(ABS, a, b, out, n, 0); }

/** Σ smoothL1(a[i] − b[i]; β) over float32 a, b. */
export function smooth_l1_sum_f32(a: usize, b: usize, n: i32, beta: f64): f64 {
  if (ASC_FEATURE_SIMD && beta <= SPLIT_BETA_MAX) return smoothSplit(true, a, b, n, beta);
  return sumF32(SMOOTH, a, b, n, beta);
}
/** Σ smoothL1(a[i] − b[i]; β) over float64 a, b. */
export function smooth_l1_sum_f64(a: usize, b: usize, n: i32, beta: f64): f64 {
  if (ASC_FEATURE_SIMD && beta <= SPLIT_BETA_MAX) return smoothSplit(false, a, b, n, beta);
  return sumF64(SMOOTH, a, b, n, beta);
}
/** out[i] = smoothL1(a[i] − b[i]; β), float32. */
export function smooth_l1_f32(a: usize, b: usize, out: usize, n: i32, beta: f64): void { mapF32(SMOOTH, a, b, out, n, beta); }
/** out[i] = smoothL1(a[i] − b[i]; β), float64. */
export function smooth_l1_f64(a: usize, b: usize, out: usize, n: i32, beta: f64): void { mapF64(SMOOTH, a, b, out, n, beta); }
