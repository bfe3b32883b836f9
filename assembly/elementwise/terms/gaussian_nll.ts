// GaussianNLLLoss term (PyTorch 1.13's gaussian_nll_loss, Python composite differentiated by autograd), input x = a,
// target t = b, variance v = c, p = eps, q = full (1 or 0):
//   v' = max(v, eps)                                   (clamp_(min=eps) under no_grad; a NaN v stays NaN)
//   ℓ = 0.5·(log v' + (d·d)/v')  [+ 0.5·log(2π) when full],  d = x − t
//   h = s·0.5 (s: upstream times weight, 'mean' 1/n in it)
//   ∂ℓ/∂x·s = (h/v')·(2·d),  ∂ℓ/∂t·s = −((h/v')·(2·d))
//   ∂ℓ/∂v·s = h/v' + (−h)·(((d·d)/v')/v')     (the clamp is outside autograd: at a clamped element this is the
//                                               unclamped formula at v' = eps, huge, not 0)
// Wide: gradients of float32 inputs are computed in float64 and rounded once (the variance's gradient cancels).
// eps is used as given (float64), as the float64 reference does (wideParams: the driver does not round it to
// float32; PyTorch's float32 clamp rounds it, by at most 2^-24 relative, to a value the reference does not use).
// float32 values (narrowValue) where float32 lanes are as accurate: for v > eps a positive normal float32 (so
// v' = v), log v from float32 lanes as k·ln 2 + f + small (math/log_split.ts's tighter join: s = f/(2 + f) and
// musl logf's R in float32, f²/2 and small in float64; |error| ≤ E = 0.05·2^-24 absolute), the quadratic
// (d·d)/v in float64 (d = x − t of two float32s, exact but for one rounding; the float32 quadratic would carry
// three roundings, up to 3 ulp of ℓ where it dominates), ℓ = 0.5·(L + q) [+ 0.5·log 2π] in float64, rounded once:
// |ℓ − ℓ64| ≤ 0.5·E + 2^-50·(|L| + q) before the rounding, which is within 2 ulp of ℓ wherever |ℓ| ≥ 0.025 +
// 2^-26·(|L| + q) — for |ℓ| ≥ 0.03, q ≤ 2|ℓ| + |L| + 2 and |L| ≤ 104 make that hold (checked per element:
// |ℓ| ≥ 0.03; on the benchmark's data 2% of the elements are below). Elsewhere (ℓ near 0, where log v' and the
// quadratic cancel; v ≤ eps, where the clamp applies; v zero, subnormal, infinite or NaN) the float64 formula
// rounded once; a vector with such a lane computes it for the half (two lanes) that needs it and selects per
// lane, so lanes, tails and the scalar build agree. log: math/log.ts (< 1 ulp) and math/log_split.ts.
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { log_f64_call, log_f64x2_call } from '../../math/calls';
import { hi64, lo64, pack32 } from '../../lanes';
import { logExponentF1, logExponentF4, logFractionF1, logFractionF4, logJoinHf1, logJoinHf2x, logRF1, logRF4, logSF1, logSF4 } from '../../math/log_split';

const HALF_LOG_2PI: f64 = 0.5 * 1.8378770664093453; // PyTorch's 0.5 * math.log(2 * math.pi), a Python float
/** |ℓ| ≥ L_MIN: the float32 value is within the accuracy rule (see the header). */
const L_MIN: f64 = 0.03;
const MIN_NORMAL32: f32 = 1.17549435e-38;
const MAX32: f32 = 3.4028234663852886e38;

// @ts-ignore: decorator
@inline function zero(): v128 { return f64x2.splat(0); }

// The helper functions here are not inlined (no @inline): each kernel calls them once per vector or element, so the
// exp and log polynomials are compiled once per term instead of once per kernel and use (binary size; the call is
// cheap next to the polynomials).

/** ℓ on two lanes (see the header). */
function lossLanes(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
  const V = f64x2.pmax(v, eps);
  const d = f64x2.sub(x, t);
  const l = f64x2.mul(f64x2.splat(0.5), f64x2.add(log_f64x2_call(V), f64x2.div(f64x2.mul(d, d), V)));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, f64x2.splat(HALF_LOG_2PI)) : l;
}

function loss(x: f64, t: f64, v: f64, eps: f64, full: f64): f64 {
  const V = v < eps ? eps : v;
  const d = x - t;
  const l = 0.5 * (log_f64_call(V) + (d * d) / V);
  return full != 0 ? l + HALF_LOG_2PI : l;
}

/** The float32 value's half (two lanes promoted, v > eps assumed): 0.5·(L + (d·d)/v) [+ 0.5·log 2π]. */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, v: v128, L: v128, full: v128): v128 {
  const d = f64x2.sub(x, t);
  const l = f64x2.mul(f64x2.splat(0.5), f64x2.add(L, f64x2.div(f64x2.mul(d, d), v)));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, f64x2.splat(HALF_LOG_2PI)) : l;
}

/** Where a half's fast value may be used: v > eps, v normal and finite (`inRange`, as i64 lanes), |ℓ| ≥ L_MIN. */
// @ts-ignore: decorator
@inline function fastOk(inRange: v128, v: v128, eps: v128, l: v128): v128 {
  return v128.and(v128.and(inRange, f64x2.gt(v, eps)), f64x2.ge(f64x2.abs(l), f64x2.splat(L_MIN)));
}

/** ℓ on four float32 lanes (see the header); eps and full as f64x2 lanes. */
function loss32Lanes(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
  const inRange = v128.and(f32x4.ge(v, f32x4.splat(MIN_NORMAL32)), f32x4.le(v, f32x4.splat(MAX32)));
  const k = logExponentF4(v), f = logFractionF4(v), s = logSF4(f), R = logRF4(s);
  const kh = i32x4.shuffle(k, k, 2, 3, 0, 1);
  const xl = lo64(x), xh = hi64(x), tl = lo64(t), th = hi64(t), vl = lo64(v), vh = hi64(v);
  const ll = fastHalf(xl, tl, vl, logJoinHf2x(f64x2.convert_low_i32x4_s(k), lo64(f), lo64(s), lo64(R)), full);
  const lh = fastHalf(xh, th, vh, logJoinHf2x(f64x2.convert_low_i32x4_s(kh), hi64(f), hi64(s), hi64(R)), full);
  const okl = fastOk(i64x2.extend_low_i32x4_s(inRange), vl, eps, ll);
  const okh = fastOk(i64x2.extend_high_i32x4_s(inRange), vh, eps, lh);
  // Each half computes the float64 formula only when one of its lanes needs it.
  const rl = i64x2.all_true(okl) ? ll : v128.bitselect(ll, lossLanes(xl, tl, vl, eps, full), okl);
  const rh = i64x2.all_true(okh) ? lh : v128.bitselect(lh, lossLanes(xh, th, vh, eps, full), okh);
  return pack32(rl, rh);
}

/** The scalar twin of `loss32Lanes`. */
function loss32(x: f32, t: f32, v: f32, eps: f64, full: f64): f32 {
  const X = <f64>x, T = <f64>t, V = <f64>v;
  if (v >= MIN_NORMAL32 && v <= MAX32 && V > eps) {
    const f = logFractionF1(v), s = logSF1(f);
    const L = logJoinHf1(<f64>logExponentF1(v), <f64>f, <f64>s, <f64>logRF1(s));
    const d = X - T;
    let l = 0.5 * (L + (d * d) / V);
    if (full != 0) l = l + HALF_LOG_2PI;
    if (abs(l) >= L_MIN) return <f32>l;
  }
  return <f32>loss(X, T, V, eps, full);
}

// @ts-ignore: decorator
@final @unmanaged class GaussianNll {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline wideParams(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, v: N, eps: f64, full: f64): N {
    if (sizeof<N>() == 4) return <N>loss32(<f32>x, <f32>t, <f32>v, eps, full);
    return <N>loss(<f64>x, <f64>t, <f64>v, eps, full);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
    return sizeof<N>() == 4 ? loss32Lanes(x, t, v, eps, full) : lossLanes(x, t, v, eps, full);
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, v: N, s: N, eps: N, full: N): N {
    const V = <f64>v < <f64>eps ? <f64>eps : <f64>v;
    const d = <f64>x - <f64>t;
    const h = <f64>s * 0.5;
    if (which == 0) return <N>((h / V) * (2 * d));
    if (which == 1) return <N>-((h / V) * (2 * d));
    return <N>(h / V + -h * (((d * d) / V) / V));
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, v: v128, s: v128, eps: v128, full: v128): v128 {
    const V = f64x2.pmax(v, eps);
    const d = f64x2.sub(x, t);
    const h = f64x2.mul(s, f64x2.splat(0.5));
    const hv = f64x2.div(h, V);
    if (which == 0) return f64x2.mul(hv, f64x2.mul(f64x2.splat(2), d));
    if (which == 1) return f64x2.neg(f64x2.mul(hv, f64x2.mul(f64x2.splat(2), d)));
    return f64x2.add(hv, f64x2.mul(f64x2.neg(h), f64x2.div(f64x2.div(f64x2.mul(d, d), V), V)));
  }
  // Required by the driver's interface; unused (scaledGrad is defined).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, v: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, v: v128, p: v128, q: v128): v128 { return zero(); }
}

export function gaussian_nll_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<GaussianNll, f32>(a, b, c, w, n, p, q); }
export function gaussian_nll_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<GaussianNll, f64>(a, b, c, w, n, p, q); }
export function gaussian_nll_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<GaussianNll, f32>(a, b, c, w, out, n, p, q); }
export function gaussian_nll_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<GaussianNll, f64>(a, b, c, w, out, n, p, q); }
export function gaussian_nll_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<GaussianNll, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<GaussianNll, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<GaussianNll, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function gaussian_nll_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<GaussianNll, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
