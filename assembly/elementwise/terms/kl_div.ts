// KLDivLoss terms (PyTorch 1.13's kl_div, a composite differentiated by autograd), input x = a (log-probabilities),
// target t = b:
//   kl_div       ℓ = xlogy(t, t) − t·x                 xlogy(t, t) = t·log t, 0 at t = 0, NaN for NaN t; so t = 0
//                                                      gives 0, t < 0 NaN, x = −∞ with t = 0 NaN (0·−∞)
//                ∂ℓ/∂x·s = (−s)·t
//                ∂ℓ/∂t·s = (s·xlogy(t ≠ 0, t) + (s·t)/t) + (−s)·x    (xlogy's two branches, then the product's:
//                                                      NaN at t = 0, where (s·0)/0 is; autograd's order)
//   kl_div_log   ℓ = e^t·(t − x)                       (logTarget: t = −∞ gives 0·−∞ = NaN)
//                ∂ℓ/∂x·s = −(s·e^t)
//                ∂ℓ/∂t·s = (s·(t − x))·e^t + s·e^t
// Wide: float32 inputs are computed in float64 and rounded once. KLDiv is small exactly where it matters, where x ≈
// log t and its two products cancel, and its target gradient is a cancelling sum; a float32 evaluation would miss
// the accuracy rule there. kl_div's float32 values (narrowValue) take log t from float32 lanes where that is as
// accurate: log t = k·ln 2 + f + small with small in float32 (math/log_split.ts: |error| ≤ E = 0.2·2^-24
// absolute), then t·log t − t·x in float64 (t·x exact) rounded once: |ℓ − ℓ64| ≤ t·E + 0.5 ulp(ℓ), which is
// within 2 ulp of ℓ wherever |ℓ| ≥ t·E·2^24/1.5, i.e. |log t − x| ≥ 0.134 (checked per element, with margin:
// 0.14). Lanes with t = ±0 (ℓ = 0 − t·x exactly) pass too. Elsewhere (the cancelling elements, t subnormal,
// negative, infinite or NaN, x infinite or NaN) the float64 formula rounded once; a vector with such a lane
// computes both and selects per lane, so lanes, tails and the scalar build agree. The gradients multiply s into each branch before adding them (scaledGrad), as autograd
// does, so exact zeros have PyTorch's signs. log: math/log.ts (< 1 ulp), exp: math/exp.ts exp2x (≤ 1 ulp). Only
// the f64 methods are ever compiled (see ../driver.ts). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, exp_f64x2_call, log_f64_call, log_f64x2_call } from '../../math/calls';
import { hi64, lo64, pack32 } from '../../lanes';
import { logExponentF1, logExponentF4, logFractionF1, logFractionF4, logJoin1, logJoin2x, logSmallF1, logSmallF4 } from '../../math/log_split';

/** |ℓ| ≥ T_MIN·t: the split log's error is within the accuracy rule (see the header). */
const T_MIN: f64 = 0.14;
const MIN_NORMAL32: f32 = 1.17549435e-38;
const MAX32: f32 = 3.4028234663852886e38;

// @ts-ignore: decorator
@inline function zero(): v128 { return f64x2.splat(0); }

/** xlogy(t, t) on two lanes: t·log t, 0 where t = 0 (a NaN t stays NaN: t·log t is NaN and t ≠ 0). */
// The helper functions here are not inlined (no @inline): each kernel calls them once per vector or element, so the
// exp and log polynomials are compiled once per term instead of once per kernel and use (binary size; the call is
// cheap next to the polynomials).

function xlogxLanes(t: v128): v128 {
  return v128.andnot(f64x2.mul(t, log_f64x2_call(t)), f64x2.eq(t, zero()));
}

function xlogx(t: f64): f64 {
  return t == 0 ? 0 : t * log_f64_call(t);
}

/** ℓ of kl_div on two f64 lanes (float64 inputs, or promoted float32 ones). */
function value64Lanes(x: v128, t: v128): v128 {
  return f64x2.sub(xlogxLanes(t), f64x2.mul(t, x));
}

/** The float32 value's half (two lanes promoted): t·(k·ln 2 + f + small) − t·x, and where it may be used. */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, L: v128): v128 {
  return f64x2.sub(v128.andnot(f64x2.mul(t, L), f64x2.eq(t, zero())), f64x2.mul(t, x));
}

/** ℓ of kl_div on four float32 lanes (see the header). */
function value32Lanes(x: v128, t: v128): v128 {
  const inRange = v128.and(v128.or(f32x4.eq(t, f32x4.splat(0)), v128.and(f32x4.ge(t, f32x4.splat(MIN_NORMAL32)),
    f32x4.le(t, f32x4.splat(MAX32)))), f32x4.le(f32x4.abs(x), f32x4.splat(MAX32)));
  const k = logExponentF4(t), f = logFractionF4(t), sm = logSmallF4(f);
  const kh = i32x4.shuffle(k, k, 2, 3, 0, 1);
  const xl = lo64(x), xh = hi64(x), tl = lo64(t), th = hi64(t);
  const ll = fastHalf(xl, tl, logJoin2x(f64x2.convert_low_i32x4_s(k), lo64(f), lo64(sm)));
  const lh = fastHalf(xh, th, logJoin2x(f64x2.convert_low_i32x4_s(kh), hi64(f), hi64(sm)));
  const tmin = f64x2.splat(T_MIN);
  const okl = v128.and(i64x2.extend_low_i32x4_s(inRange), f64x2.ge(f64x2.abs(ll), f64x2.mul(tmin, tl)));
  const okh = v128.and(i64x2.extend_high_i32x4_s(inRange), f64x2.ge(f64x2.abs(lh), f64x2.mul(tmin, th)));
  // Each half computes the float64 formula only when one of its lanes needs it.
  const rl = i64x2.all_true(okl) ? ll : v128.bitselect(ll, value64Lanes(xl, tl), okl);
  const rh = i64x2.all_true(okh) ? lh : v128.bitselect(lh, value64Lanes(xh, th), okh);
  return pack32(rl, rh);
}

/** The scalar twin of `value32Lanes`. */
function value32(x: f32, t: f32): f32 {
  const X = <f64>x, T = <f64>t;
  if ((t == 0 || (t >= MIN_NORMAL32 && t <= MAX32)) && abs<f32>(x) <= MAX32) {
    const f = logFractionF1(t);
    const L = logJoin1(<f64>logExponentF1(t), <f64>f, <f64>logSmallF1(f));
    const l = (T == 0 ? 0 : T * L) - T * X;
    if (abs(l) >= T_MIN * T) return <f32>l;
  }
  return <f32>(xlogx(T) - T * X);
}

/** ∂ℓ/∂t·s of kl_div on two lanes: (s·xlogy(t ≠ 0, t) + (s·t)/t) + (−s)·x. */
function targetGradLanes(x: v128, t: v128, s: v128): v128 {
  const l = v128.andnot(log_f64x2_call(t), f64x2.eq(t, zero()));
  return f64x2.add(f64x2.add(f64x2.mul(s, l), f64x2.div(f64x2.mul(s, t), t)), f64x2.mul(f64x2.neg(s), x));
}

function targetGrad(x: f64, t: f64, s: f64): f64 {
  return (s * (t == 0 ? 0 : log_f64_call(t)) + (s * t) / t) + -s * x;
}

/** kl_div_log on two lanes: ℓ, −(s·e^t), (s·(t − x))·e^t + s·e^t for which = −1, 0, 1. */
function logTargetLanes(which: i32, x: v128, t: v128, s: v128): v128 {
  const e = exp_f64x2_call(t);
  if (which < 0) return f64x2.mul(e, f64x2.sub(t, x));
  if (which == 0) return f64x2.neg(f64x2.mul(s, e));
  return f64x2.add(f64x2.mul(f64x2.mul(s, f64x2.sub(t, x)), e), f64x2.mul(s, e));
}

function logTarget(which: i32, x: f64, t: f64, s: f64): f64 {
  const e = exp_f64_call(t);
  if (which < 0) return e * (t - x);
  if (which == 0) return -(s * e);
  return (s * (t - x)) * e + s * e;
}

// @ts-ignore: decorator
@final @unmanaged class KLDiv {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, p: N, q: N): N {
    if (sizeof<N>() == 4) return <N>value32(<f32>x, <f32>t);
    return <N>(xlogx(<f64>t) - <f64>t * <f64>x);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 {
    return sizeof<N>() == 4 ? value32Lanes(x, t) : value64Lanes(x, t);
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, c: N, s: N, p: N, q: N): N {
    const X = <f64>x, T = <f64>t, S = <f64>s;
    if (which == 0) return <N>(-S * T);
    if (which == 1) return <N>targetGrad(X, T, S);
    return <N>0;
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, c: v128, s: v128, p: v128, q: v128): v128 {
    const ns = f64x2.neg(s);
    if (which == 0) return f64x2.mul(ns, t);
    if (which == 1) return targetGradLanes(x, t, s);
    return zero();
  }
  // Required by the driver's interface; unused (scaledGrad is defined).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
}

// @ts-ignore: decorator
@final @unmanaged class KLDivLog {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, p: N, q: N): N {
    if (sizeof<N>() == 4) ERROR('kl_div_log: a wide term, float64 only');
    return <N>logTarget(-1, <f64>x, <f64>t, 0);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 {
    return logTargetLanes(-1, x, t, zero());
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, c: N, s: N, p: N, q: N): N {
    return which > 1 ? <N>0 : <N>logTarget(which, <f64>x, <f64>t, <f64>s);
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, c: v128, s: v128, p: v128, q: v128): v128 {
    return which > 1 ? zero() : logTargetLanes(which, x, t, s);
  }
  // Required by the driver's interface; unused (scaledGrad is defined).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return zero(); }
}

export function kl_div_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<KLDiv, f32>(a, b, c, w, n, p, q); }
export function kl_div_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<KLDiv, f64>(a, b, c, w, n, p, q); }
export function kl_div_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<KLDiv, f32>(a, b, c, w, out, n, p, q); }
export function kl_div_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<KLDiv, f64>(a, b, c, w, out, n, p, q); }
export function kl_div_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<KLDiv, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function kl_div_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<KLDiv, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function kl_div_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<KLDiv, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function kl_div_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<KLDiv, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function kl_div_log_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<KLDivLog, f32>(a, b, c, w, n, p, q); }
export function kl_div_log_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<KLDivLog, f64>(a, b, c, w, n, p, q); }
export function kl_div_log_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<KLDivLog, f32>(a, b, c, w, out, n, p, q); }
export function kl_div_log_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<KLDivLog, f64>(a, b, c, w, out, n, p, q); }
export function kl_div_log_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<KLDivLog, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function kl_div_log_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<KLDivLog, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function kl_div_log_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<KLDivLog, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function kl_div_log_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<KLDivLog, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
