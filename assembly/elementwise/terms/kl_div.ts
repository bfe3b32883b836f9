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
// the accuracy rule there.
// kl_div's float32 values (narrowValue): l = float32(t·(L − x)), with L = log t from math/log_split.ts's float64-s
// join (musl logf's reduction t = 2^k·(1 + f) and the rest of its polynomial in float32 lanes, s =
// f/(2 + f) and Lg1·s² in float64: |L − log t| ≤ E = 0.001·2^-24 absolute, measured 0.00064·2^-24 over every
// float32 mantissa) and L − x, t·(L − x) in float64 (relative error ≤ 2^-52 together). Used (as l + 0, which turns
// t = ±0's ±0 into the +0 of 0 − t·x) where t = ±0 or t is positive normal (not infinite) and |l| ≥ float32(T·t),
// T = 0.0011; elsewhere (the few cancelling elements, t subnormal, negative, infinite or NaN, x NaN) the float64
// formula xlogy(t, t) − t·x rounded once, on the halves that need it (slowLanes, out of line). Proof sketch of the
// bound, with D = log t − x and ℓ = t·D exact: |t·(L − x) computed − ℓ| ≤ t·E + 2^-52·|ℓ|. If float32(T·t) is
// normal, |l| ≥ float32(T·t) gives |D| ≥ T·(1 − 2^-22) − E − 2^-52 > 0.0010999, so t·E < 0.91·2^-24·|ℓ| <
// 0.91 ulp32(ℓ) (ulp32(v) > |v|·2^-24); one rounding to float32 adds at most 0.5 ulp of the rounded value (0.25 ulp
// of ℓ when it crosses down a power of 2; when it crosses up, the error stays ≤ 0.91 ulp), so |ours − ℓ| < 1.5
// ulp32(ℓ), within the 2 ulp rule (truth64's own error, ≤ 2^-50·t·(|log t| + |x|), is < 2^-13 ulp32(ℓ) there). If
// float32(T·t) is subnormal, t < 2^-126/T and t·E < 2^-149, below any float32 ulp. t = ±0: ℓ = +0 exactly (NaN
// for x = ±∞, which fails the test and takes the float64 formula: NaN). x = ±∞ with t normal: L − x = ∓∞ exactly,
// as the float64 formula's. The test is in float32 on the rounded values, the same operations in lanes and the
// scalar twin, so lanes, tails and the scalar build agree bit for bit; on the bench's data (x ∈ U(−4, 0), t ∈
// U(0, 1)) 0.06 % of the elements fail it (0.23 % of the vectors take the rare path; 6.6 % failed the former
// split log's test, |ℓ| ≥ 0.14·t).
// The gradients multiply s into each branch before adding them (scaledGrad), as autograd
// does, so exact zeros have PyTorch's signs. log: math/log.ts (< 1 ulp), exp: math/exp.ts exp2x (≤ 1 ulp). Only
// the f64 methods are ever compiled (see ../driver.ts). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, exp_f64x2_call, log_f64_call, log_f64x2_call } from '../../math/calls';
import { hi64, lo64, pack32 } from '../../lanes';
import { logExponentF1, logExponentF4, logFractionF1, logFractionF4, logJoinDiv1, logJoinDiv2x, logRestF1, logRestF4, logSF1, logSF4 } from '../../math/log_split';

/** T_MIN·t ≤ |ℓ| (float32): where the fast value meets the accuracy rule (see the header). */
const T_MIN: f32 = 0.0011;
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

// The float32 value's lane constants, each splatted to 16 bytes (V8 rebuilds a v128.const at every use).
const KL_K: usize = memory.data<f32>([
  T_MIN, T_MIN, T_MIN, T_MIN, MIN_NORMAL32, MIN_NORMAL32, MIN_NORMAL32, MIN_NORMAL32, MAX32, MAX32, MAX32, MAX32,
], 16);
const K_TMIN = 0, K_MIN_NORMAL = 1, K_MAX = 2;
// @ts-ignore: decorator
@inline function kk(i: i32): v128 { return v128.load(KL_K + (<usize>i << 4)); }

/** t·(L − x) on two f64 lanes, L = log t from the float64-s join (k, f, rest as f64 lanes). */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, k: v128, f: v128, rest: v128): v128 {
  return f64x2.mul(t, f64x2.sub(logJoinDiv2x(k, f, rest), x));
}

/** The fast value t·(log t − x) on four float32 lanes, each rounded once to float32 (see the header). */
// @ts-ignore: decorator
@inline function fastLanes(x: v128, t: v128): v128 {
  const k = logExponentF4(t), f = logFractionF4(t), rest = logRestF4(logSF4(f));
  const kh = i32x4.shuffle(k, k, 2, 3, 0, 1);
  return pack32(fastHalf(lo64(x), lo64(t), f64x2.convert_low_i32x4_s(k), lo64(f), lo64(rest)),
    fastHalf(hi64(x), hi64(t), f64x2.convert_low_i32x4_s(kh), hi64(f), hi64(rest)));
}

/** The lanes where the fast value l may be used: t = ±0 or positive normal, and |l| ≥ T_MIN·t. */
// @ts-ignore: decorator
@inline function fastOk(t: v128, l: v128): v128 {
  const tOk = v128.or(v128.and(f32x4.ge(t, kk(K_MIN_NORMAL)), f32x4.le(t, kk(K_MAX))), f32x4.eq(t, f32x4.splat(0)));
  return v128.and(tOk, f32x4.ge(f32x4.abs(l), f32x4.mul(kk(K_TMIN), t)));
}

/**
 * The rare path: l + 0 where fastOk, the float64 formula on each half with a lane that is not (out of line: the
 * three float32 kernels call it, so the fast loop keeps its registers).
 */
function slowLanes(x: v128, t: v128, l: v128): v128 {
  const ok = fastOk(t, l);
  const okl = i64x2.extend_low_i32x4_s(ok), okh = i64x2.extend_high_i32x4_s(ok);
  const fl = i64x2.all_true(okl) ? zero() : value64Lanes(lo64(x), lo64(t));
  const fh = i64x2.all_true(okh) ? zero() : value64Lanes(hi64(x), hi64(t));
  return v128.bitselect(f32x4.add(l, f32x4.splat(0)), pack32(fl, fh), ok);
}

/**
 * ℓ of kl_div on four float32 lanes (see the header). Inlined into the three float32 kernels (a call per vector
 * and its constant loads cost a few per cent); only the rare path is a call.
 */
// @ts-ignore: decorator
@inline function value32Lanes(x: v128, t: v128): v128 {
  const l = fastLanes(x, t);
  return i32x4.bitmask(fastOk(t, l)) == 0xF ? f32x4.add(l, f32x4.splat(0)) : slowLanes(x, t, l);
}

/** The scalar twin of `value32Lanes`. */
function value32(x: f32, t: f32): f32 {
  const X = <f64>x, T = <f64>t;
  const f = logFractionF1(t);
  const L = logJoinDiv1(<f64>logExponentF1(t), <f64>f, <f64>logRestF1(logSF1(f)));
  const l = <f32>(T * (L - X));
  if (((t >= MIN_NORMAL32 && t <= MAX32) || t == 0) && abs<f32>(l) >= T_MIN * t) return l + <f32>0;
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
