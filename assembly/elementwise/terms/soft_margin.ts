// SoftMarginLoss term (PyTorch 1.13's soft_margin_loss and soft_margin_loss_backward, CPU), input x = a, target
// y = b (no gradient: PyTorch refuses it):
//   ℓ = log(1 + e^v),  v = (−x)·y                      (1.13 takes log(1 + exp), not log1p: see below)
//   ∂ℓ/∂x · s = (−(y·z) / (1 + z))·s,  z = e^((−y)·x)   (PyTorch's ((y·z)·(−norm))/(1 + z)·g with s = norm·g:
//                                                      y·z may be near the float64 maximum, so s multiplies last)
// float64 inputs: exactly those operations in float64 (exp: math/exp.ts exp2x, ≤ 1 ulp; log: math/log.ts, < 1 ulp),
// so ℓ is 0 once 1 + e^v rounds to 1 (y·x ≳ 36.7) and log(1 + e^v) is as coarse as PyTorch's just before that.
// float32 inputs: PyTorch rounds e^v and 1 + e^v to float32, which shows in two places: ℓ is exactly 0 once
// 1 + e^v rounds to 1 (y·x ≳ 16.6), and +∞ once e^v overflows float32 (−y·x ≳ 88.7), where the gradient is
// −(y·∞)/∞ = NaN. Those two outcomes are reproduced: v and e^v are computed in float64 (x·y of two float32 is
// exact), e^v is rounded to float32 to find them, and everywhere else ℓ = log1p(e^v) and the gradient are float64,
// rounded once. The float32 value in float32 lanes where that is as accurate (targets ±1, |v| ≤ 87.33): v =
// (−x)·y is then exact, ℓ = softplus(v) = max(v, 0) + log1p(e^(−|v|)) (math/softplus.ts softplusTailF4, measured
// ≤ 1.13 ulp over every float32 |v| ≤ 87.33), two non-negative terms added in float32 (one rounding), so
// |ℓ − ℓ64| ≤ 1.13 ulp + 0.5 ulp; and 0 for v ≤ −16.635532, exactly where float32(1 + float32(e^v)) is 1 (e^v ≤
// 2^-24 + 2^-48). Other lanes (targets not ±1, whose product v is rounded; |v| > 87.33, where e^(−|v|) is
// subnormal or 0 in float32 and PyTorch's e^v may overflow; NaN) take the float64 path above; a vector with such
// a lane computes both and selects per lane, so lanes, tails and the scalar build agree. (Rounding 1 + e^v to float32 elsewhere too would copy PyTorch's coarseness there, up to 1.25 ulp
// of ℓ plus e^v's rounding; PyTorch's own float32 exp and log err differently, so the result would miss the
// accuracy rule wherever PyTorch happens to be closer: measured on the fixtures.) Each element is one float32
// result; a reduction adds those in float64 (all are ≥ 0, so their roundings cannot cancel).
// Lanes: float32 lanes are promoted in two f64x2 halves and packed back. Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, exp_f64x2_call, log1p_f64_call, log1p_f64x2_call, log_f64_call, log_f64x2_call } from '../../math/calls';
import { hi64, lo64, pack32, vsplat } from '../../lanes';
import { expSplitF4, log1pSplitF4, softplusTailF1 } from '../../math/softplus';

/** 87.33 (ln 2^-126, rounded up): up to it e^(−|v|) is a normal float32 and softplusTail holds its bound. */
const TAIL_MAX: f32 = 87.33654;
/** The largest float32 v with float32(1 + float32(e^v)) = 1: PyTorch's float32 ℓ is 0 from here down. */
const V_ZERO: f32 = -16.63553237915039;
const ONE_BITS: i32 = 0x3f800000;

/** A float64 lane rounded to float32 and back (round to nearest even; overflow to ±∞). */
// @ts-ignore: decorator
@inline function round32x2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

// The helper functions here are not inlined (no @inline): each kernel calls them once per vector or element, so the
// exp and log polynomials are compiled once per term instead of once per kernel and use (binary size; the call is
// cheap next to the polynomials).

/** ℓ on two f64 lanes of float64 inputs: log(1 + e^v) in float64, as PyTorch. */
function loss64Lanes(x: v128, y: v128): v128 {
  return log_f64x2_call(f64x2.add(f64x2.splat(1), exp_f64x2_call(f64x2.mul(f64x2.neg(x), y))));
}

/**
 * ℓ on two f64 lanes of float32 inputs: 0 where PyTorch's float32 1 + e^v is 1, +∞ where its float32 e^v is,
 * else log1p(e^v) (a NaN v stays NaN: it fails both tests).
 */
function loss32WideLanes(x: v128, y: v128): v128 {
  const e = exp_f64x2_call(f64x2.mul(f64x2.neg(x), y));
  const e32 = round32x2(e);
  const inf = f64x2.splat(Infinity);
  const l = v128.bitselect(inf, log1p_f64x2_call(e), f64x2.eq(e32, inf));
  return v128.andnot(l, f64x2.eq(round32x2(f64x2.add(f64x2.splat(1), e32)), f64x2.splat(1)));
}

// loss32Lanes' constants, each in four lanes, read from static memory (V8 rebuilds a v128.const at every use).
const SM_K: usize = memory.data<i32>([
  0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, ONE_BITS, ONE_BITS, ONE_BITS, ONE_BITS,
  reinterpret<i32>(-TAIL_MAX), reinterpret<i32>(-TAIL_MAX), reinterpret<i32>(-TAIL_MAX), reinterpret<i32>(-TAIL_MAX),
  reinterpret<i32>(V_ZERO), reinterpret<i32>(V_ZERO), reinterpret<i32>(V_ZERO), reinterpret<i32>(V_ZERO),
  0x80000000, 0x80000000, 0x80000000, 0x80000000, 0, 0, 0, 0,
], 16);
const S_ABS = 0, S_ONE = 1, S_NTAIL = 2, S_VZERO = 3, S_SIGN = 4, S_ZERO = 5;

/** Constant `i` of SM_K (one load). */
// @ts-ignore: decorator
@inline function sk(i: i32): v128 {
  return v128.load(SM_K + (<usize>i << 4));
}

/** v = (−x)·y on four float32 lanes: a sign flip (xor) and a product. */
// @ts-ignore: decorator
@inline function vLanes(x: v128, y: v128): v128 {
  return f32x4.mul(v128.xor(x, sk(S_SIGN)), y);
}

/** The lanes that take the float32 softplus: |y| = 1 and a = −|v| ≥ −87.33. */
// @ts-ignore: decorator
@inline function fastLanes(y: v128, a: v128): v128 {
  return v128.and(i32x4.eq(v128.and(y, sk(S_ABS)), sk(S_ONE)), f32x4.ge(a, sk(S_NTAIL)));
}

/**
 * The float32 value from v and the split e^(−|v|) = hi + lo (math/softplus.ts expSplitF4): max(v, 0) + log1p(hi +
 * lo), 0 where v ≤ V_ZERO (softplusTailNegF4's operations, the exp and the log1p as two stages).
 */
// @ts-ignore: decorator
@inline function backLanes(v: v128, hi: v128, lo: v128): v128 {
  return v128.andnot(f32x4.add(f32x4.pmax(sk(S_ZERO), v), log1pSplitF4(hi, lo)), f32x4.le(v, sk(S_VZERO)));
}

/**
 * ℓ on four float32 lanes: float32 softplus where the header says, loss32WideLanes elsewhere. v = (−x)·y as one
 * sign flip (xor) and a product; −|v| (the tail's argument) by setting the sign bit, tested against −87.33 for
 * |v| ≤ 87.33; max(v, 0) + L for PyTorch's max(v, 0) + log1p(e^(−|v|)) (0 + L = L where v ≤ 0: L > 0 there).
 */
function loss32Lanes(x: v128, y: v128): v128 {
  const v = vLanes(x, y), a = v128.or(v, sk(S_SIGN));
  const fast = fastLanes(y, a);
  const l = backLanes(v, expSplitF4(a, false), expSplitF4(a, true));
  if (i32x4.all_true(fast)) return l;
  const xl = lo64(x), xh = hi64(x), yl = lo64(y), yh = hi64(y);
  return v128.bitselect(l, pack32(loss32WideLanes(xl, yl), loss32WideLanes(xh, yh)), fast);
}

/** The scalar twins. */
function loss64(x: f64, y: f64): f64 {
  return log_f64_call(1.0 + exp_f64_call(-x * y));
}

function loss32(x: f32, y: f32): f32 {
  const v = -x * y;
  if ((reinterpret<i32>(y) & 0x7fffffff) == ONE_BITS && abs<f32>(v) <= TAIL_MAX) {
    if (v <= V_ZERO) return 0;
    const L = softplusTailF1(v);
    return (<f32>0 < v ? v : <f32>0) + L; // pmax(0, v) + L, as the lanes
  }
  return <f32>loss32Wide(<f64>x, <f64>y);
}

function loss32Wide(x: f64, y: f64): f64 {
  const e = exp_f64_call(-x * y);
  const e32 = <f64><f32>e;
  if (<f64><f32>(1.0 + e32) == 1.0) return 0;
  return e32 == Infinity ? Infinity : log1p_f64_call(e);
}

/** ∂ℓ/∂x·s on two f64 lanes; `f32`: z = +∞ where PyTorch's float32 e^((−y)·x) overflows (the gradient is NaN). */
function gradLanes(x: v128, y: v128, s: v128, f32: bool): v128 {
  let z = exp_f64x2_call(f64x2.mul(f64x2.neg(y), x));
  if (f32) {
    const inf = f64x2.splat(Infinity);
    z = v128.bitselect(inf, z, f64x2.eq(round32x2(z), inf));
  }
  return f64x2.mul(f64x2.div(f64x2.neg(f64x2.mul(y, z)), f64x2.add(f64x2.splat(1), z)), s);
}

/** The scalar twin of `gradLanes`. */
function gradOf(x: f64, y: f64, s: f64, f32: bool): f64 {
  let z = exp_f64_call(-y * x);
  if (f32 && <f64><f32>z == Infinity) z = Infinity;
  return (-(y * z) / (1.0 + z)) * s;
}

// @ts-ignore: decorator
@final @unmanaged class SoftMargin {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, y: N, c: N, p: N, q: N): N {
    return sizeof<N>() == 4 ? <N>loss32(<f32>x, <f32>y) : <N>loss64(<f64>x, <f64>y);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    return sizeof<N>() == 4 ? loss32Lanes(x, y) : loss64Lanes(x, y);
  }
  // loss32Lanes' fast path in two stages, for the drivers' pipelined float32 loops (../driver.ts).
  // @ts-ignore: decorator
  @inline ready(x: v128, y: v128): bool { return i32x4.all_true(fastLanes(y, v128.or(vLanes(x, y), sk(S_SIGN)))); }
  // @ts-ignore: decorator
  @inline front(x: v128, y: v128, lo: bool): v128 { return expSplitF4(v128.or(vLanes(x, y), sk(S_SIGN)), lo); }
  // @ts-ignore: decorator
  @inline back(x: v128, y: v128, hi: v128, lo: v128): v128 { return backLanes(vLanes(x, y), hi, lo); }
  // The gradient, times s in float64 (one rounding for float32): scaledGrad replaces gradA·s in the driver.
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, y: N, c: N, s: N, p: N, q: N): N {
    if (which != 0) return <N>0;
    return sizeof<N>() == 4 ? <N><f32>gradOf(<f64>x, <f64>y, <f64>s, true) : <N>gradOf(<f64>x, <f64>y, <f64>s, false);
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, y: v128, c: v128, s: v128, p: v128, q: v128): v128 {
    if (which != 0) return vsplat<N>(0);
    if (sizeof<N>() == 4) return pack32(gradLanes(lo64(x), lo64(y), lo64(s), true), gradLanes(hi64(x), hi64(y), hi64(s), true));
    return gradLanes(x, y, s, false);
  }
  // Required by the driver's interface; unused (scaledGrad is defined). The target has no gradient.
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, y: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, y: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, y: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function soft_margin_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SoftMargin, f32>(a, b, c, w, n, p, q); }
export function soft_margin_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SoftMargin, f64>(a, b, c, w, n, p, q); }
export function soft_margin_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SoftMargin, f32>(a, b, c, w, out, n, p, q); }
export function soft_margin_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SoftMargin, f64>(a, b, c, w, out, n, p, q); }
export function soft_margin_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SoftMargin, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function soft_margin_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SoftMargin, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function soft_margin_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SoftMargin, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function soft_margin_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SoftMargin, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
