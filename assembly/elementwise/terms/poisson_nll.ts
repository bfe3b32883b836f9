// PoissonNLLLoss terms (PyTorch 1.13's poisson_nll_loss, a composite differentiated by autograd), input x = a,
// target t = b, p = eps, q = full (1 or 0):
//   poisson_nll_log   (logInput, the default)   ℓ = e^x − t·x                 (eps unused, as in PyTorch)
//   poisson_nll       (logInput false)          ℓ = x − t·log(x + eps)
// plus, when full, the Stirling term where t > 1 (PyTorch's masked_fill(t <= 1, 0); a NaN t keeps it):
//   S(t) = (t·log t − t) + 0.5·log(2π·t)
// Gradients, with s the upstream (times weight; 'mean' 1/n in it) and autograd's order of adding branches:
//   log:      ∂ℓ/∂x·s = s·e^x + (−s)·t
//   no log:   ∂ℓ/∂x·s = s + ((−s)·t)/(x + eps)
//   ∂ℓ/∂t·s = [full: (((m·log t + (−m)) + (m·t)/t) + ((m·0.5)/(2π·t))·2π)] + (−s)·x, resp. + (−s)·log(x + eps),
//             where m = (t > 1 or t is NaN) ? s : +0, the masked upstream: at t ≤ 1 the bracket is +0 (or NaN at
//             t ≤ 0, where 0·log t is), so PyTorch's target gradient there is NaN for t ≤ 0 with full.
// Wide: the gradients of float32 inputs are computed in float64 and rounded once (e^x − t·x, x − t·log(x + eps)
// and the Stirling term all cancel near their minimum), and so are the float32 values where the paths below do
// not apply. log: math/log.ts (< 1 ulp), exp: math/exp.ts exp2x (≤ 1 ulp).
// poisson_nll_log's float32 values (narrowValue) take e^x from a cheaper float64 exp instead: a float32 e^x
// cannot carry them, since its error (≤ 1 ulp; 0.29·2^-24 relative even as a split hi + lo, math/softplus.ts)
// reaches ℓ undamped where e^x and t·x cancel, and |ℓ| < 0.31·e^x would have to fall back to float64 — 17% of
// the elements (52% of the vectors) of the benchmark's x ∈ [−2, 2), t ∈ [0, 5). So for |x| ≤ 88 (float32 x):
// E = math/exp.ts expLse2x (no Cody–Waite low part, degree-10 Estrin polynomial; |E − e^x| ≤ e^x·(8·2^-53 +
// |x|·1.6e-16) ≤ 1.5e-14·e^x there, test/exp.test.ts), t·x exact in float64, ℓ = E − t·x [+ S(t)] in float64,
// rounded once: before the rounding |ℓ − ℓ64| ≤ 1.5e-14·e^x + 2^-53·|ℓ| (ℓ64: the same formula with the exact
// e^x), within 2 ulp of ℓ wherever |ℓ| ≥ 2^-21.9·e^x (checked per element: |ℓ| ≥ 2^-21·E). Elsewhere (|x| > 88,
// where float32 e^x overflows or PyTorch's float32 value is t·x alone; NaN; the rare elements cancelling to
// 2^-21) the float64 formula above, rounded once; a vector with such a lane computes both halves' float64
// formula only where one of its lanes needs it and selects per lane, so lanes, tails and the scalar build agree.
// poisson_nll's float32 values (narrowValue; wideParams: eps arrives as the float64 the reference adds): for
// u = x + eps (float64) with u32 = fl32(u) a positive normal float32 and t finite: L = log u32 + (u − u32)·r,
// log u32 from float32 lanes as math/log_split.ts's tighter join (≤ 0.05·2^-24 absolute), u − u32 exact, r =
// fl32(1/u32) (|(u − u32)/u32| ≤ 2^-24, so r's rounding and the dropped log1p term add ≤ 2^-47 absolute);
// ℓ = x − t·L [+ S(t)] in float64, rounded once: before the rounding |ℓ − ℓ64| ≤ 0.0501·2^-24·|t| +
// 2^-51·|x| + 2^-52·|ℓ|, within 2 ulp of ℓ wherever |ℓ| ≥ 0.0502·|t| + 2^-26.9·|x| (checked per element: |ℓ| ≥
// 0.06·|t| + 2^-26·|x|). Elsewhere (x near t·log(x + eps), where the products cancel; u32 zero, subnormal,
// negative, infinite or NaN; t infinite or NaN) the float64 formula, per half as above.
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, exp_f64x2_call, log_f64_call, log_f64x2_call } from '../../math/calls';
import { expLse1, expLse2x } from '../../math/exp';
import { hi64, lo64, pack32 } from '../../lanes';
import { logExponentF1, logExponentF4, logFractionF1, logFractionF4, logJoinHf1, logJoinHf2x, logRF1, logRF4, logSF1, logSF4 } from '../../math/log_split';

/** |x| ≤ X_FAST: expLse holds its bound and e^x is a finite float32 (see the header). */
const X_FAST: f32 = 88;
/** |ℓ| ≥ CANCEL·E: the float32 value is within the accuracy rule (see the header). */
const CANCEL: f64 = 1.0 / 2097152.0; // 2^-21
/** |ℓ| ≥ T_RATE·|t| + X_RATE·|x|: poisson_nll's float32 value is within the accuracy rule (see the header). */
const T_RATE: f64 = 0.06;
const X_RATE: f64 = 1.0 / 67108864.0; // 2^-26
const MIN_NORMAL32: f32 = 1.17549435e-38;
const MAX32: f32 = 3.4028234663852886e38;

const TWO_PI: f64 = 2 * Math.PI; // PyTorch's `2 * c10::pi<double>`

// @ts-ignore: decorator
@inline function zero(): v128 { return f64x2.splat(0); }

// The helper functions here are not inlined (no @inline): each kernel calls them once per vector or element, so the
// exp and log polynomials are compiled once per term instead of once per kernel and use (binary size; the call is
// cheap next to the polynomials).

/** The Stirling term where t > 1 (or NaN), else +0, on two lanes. */
function stirlingLanes(t: v128): v128 {
  const st = f64x2.add(f64x2.sub(f64x2.mul(t, log_f64x2_call(t)), t),
    f64x2.mul(f64x2.splat(0.5), log_f64x2_call(f64x2.mul(f64x2.splat(TWO_PI), t))));
  return v128.andnot(st, f64x2.le(t, f64x2.splat(1)));
}

function stirling(t: f64): f64 {
  return t <= 1 ? 0 : (t * log_f64_call(t) - t) + 0.5 * log_f64_call(TWO_PI * t);
}

/** The full term's part of ∂ℓ/∂t·s on two lanes (autograd's order). */
function stirlingGradLanes(t: v128, s: v128): v128 {
  const m = v128.andnot(s, f64x2.le(t, f64x2.splat(1)));
  const s1 = f64x2.mul(m, log_f64x2_call(t));
  const s2 = f64x2.div(f64x2.mul(m, t), t);
  const s4 = f64x2.mul(f64x2.div(f64x2.mul(m, f64x2.splat(0.5)), f64x2.mul(f64x2.splat(TWO_PI), t)), f64x2.splat(TWO_PI));
  return f64x2.add(f64x2.add(f64x2.add(s1, f64x2.neg(m)), s2), s4);
}

function stirlingGrad(t: f64, s: f64): f64 {
  const m = t <= 1 ? 0 : s;
  return ((m * log_f64_call(t) + -m) + (m * t) / t) + ((m * 0.5) / (TWO_PI * t)) * TWO_PI;
}

/** e^x − t·x (+ the Stirling term when full), and s·e^x + (−s)·t, on two lanes. */
function logInputLanes(x: v128, t: v128, full: v128): v128 {
  const l = f64x2.sub(exp_f64x2_call(x), f64x2.mul(t, x));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, stirlingLanes(t)) : l;
}

function logInput(x: f64, t: f64, full: f64): f64 {
  const l = exp_f64_call(x) - t * x;
  return full != 0 ? l + stirling(t) : l;
}

/** A half of the float32 value (two lanes promoted): E − t·x [+ S(t)], and where it may be used. */
// @ts-ignore: decorator
@inline function fastHalf(x: v128, t: v128, full: v128, inRange: v128): v128 {
  const e = expLse2x(x);
  let l = f64x2.sub(e, f64x2.mul(t, x));
  if (f64x2.extract_lane(full, 0) != 0) l = f64x2.add(l, stirlingLanes(t));
  const ok = v128.and(inRange, f64x2.ge(f64x2.abs(l), f64x2.mul(e, f64x2.splat(CANCEL))));
  // The float64 formula only when one of the two lanes needs it.
  return i64x2.all_true(ok) ? l : v128.bitselect(l, logInputLanes(x, t, full), ok);
}

/** poisson_nll_log's value on four float32 lanes (see the header); full as f32 lanes. */
function logInput32Lanes(x: v128, t: v128, full: v128): v128 {
  const inRange = f32x4.le(f32x4.abs(x), f32x4.splat(X_FAST));
  const fl = f64x2.promote_low_f32x4(full);
  return pack32(fastHalf(lo64(x), lo64(t), fl, i64x2.extend_low_i32x4_s(inRange)),
    fastHalf(hi64(x), hi64(t), fl, i64x2.extend_high_i32x4_s(inRange)));
}

/** The scalar twin of `logInput32Lanes`. */
function logInput32(x: f32, t: f32, full: f32): f32 {
  const X = <f64>x, T = <f64>t, F = <f64>full;
  if (abs<f32>(x) <= X_FAST) {
    const e = expLse1(X);
    let l = e - T * X;
    if (F != 0) l = l + stirling(T);
    if (abs(l) >= e * CANCEL) return <f32>l;
  }
  return <f32>logInput(X, T, F);
}

function logInputGradLanes(x: v128, t: v128, s: v128): v128 {
  return f64x2.add(f64x2.mul(s, exp_f64x2_call(x)), f64x2.mul(f64x2.neg(s), t));
}

function logInputGrad(x: f64, t: f64, s: f64): f64 {
  return s * exp_f64_call(x) + -s * t;
}

/** x − t·log(x + eps) (+ the Stirling term when full) on two lanes; the log of the target gradient. */
function rateLanes(x: v128, t: v128, eps: v128, full: v128): v128 {
  const l = f64x2.sub(x, f64x2.mul(t, log_f64x2_call(f64x2.add(x, eps))));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(l, stirlingLanes(t)) : l;
}

function rate(x: f64, t: f64, eps: f64, full: f64): f64 {
  const l = x - t * log_f64_call(x + eps);
  return full != 0 ? l + stirling(t) : l;
}

/** A half of poisson_nll's float32 value: x − t·L [+ S(t)], where it may be used, else the float64 formula. */
// @ts-ignore: decorator
@inline function rateHalf(x: v128, t: v128, L: v128, eps: v128, full: v128, inRange: v128): v128 {
  let l = f64x2.sub(x, f64x2.mul(t, L));
  if (f64x2.extract_lane(full, 0) != 0) l = f64x2.add(l, stirlingLanes(t));
  const bound = f64x2.add(f64x2.mul(f64x2.abs(t), f64x2.splat(T_RATE)), f64x2.mul(f64x2.abs(x), f64x2.splat(X_RATE)));
  const ok = v128.and(inRange, f64x2.ge(f64x2.abs(l), bound));
  return i64x2.all_true(ok) ? l : v128.bitselect(l, rateLanes(x, t, eps, full), ok);
}

/** poisson_nll's value on four float32 lanes (see the header); eps and full as f64x2 lanes. */
function rate32Lanes(x: v128, t: v128, eps: v128, full: v128): v128 {
  const xl = lo64(x), xh = hi64(x), tl = lo64(t), th = hi64(t);
  const ul = f64x2.add(xl, eps), uh = f64x2.add(xh, eps);
  const u = pack32(ul, uh); // fl32(x + eps)
  const inRange = v128.and(v128.and(f32x4.ge(u, f32x4.splat(MIN_NORMAL32)), f32x4.le(u, f32x4.splat(MAX32))),
    f32x4.le(f32x4.abs(t), f32x4.splat(MAX32)));
  const r = f32x4.div(f32x4.splat(1), u);
  const k = logExponentF4(u), f = logFractionF4(u), s = logSF4(f), R = logRF4(s);
  const kh = i32x4.shuffle(k, k, 2, 3, 0, 1);
  const Ll = f64x2.add(logJoinHf2x(f64x2.convert_low_i32x4_s(k), lo64(f), lo64(s), lo64(R)),
    f64x2.mul(f64x2.sub(ul, lo64(u)), lo64(r)));
  const Lh = f64x2.add(logJoinHf2x(f64x2.convert_low_i32x4_s(kh), hi64(f), hi64(s), hi64(R)),
    f64x2.mul(f64x2.sub(uh, hi64(u)), hi64(r)));
  return pack32(rateHalf(xl, tl, Ll, eps, full, i64x2.extend_low_i32x4_s(inRange)),
    rateHalf(xh, th, Lh, eps, full, i64x2.extend_high_i32x4_s(inRange)));
}

/** The scalar twin of `rate32Lanes`. */
function rate32(x: f32, t: f32, eps: f64, full: f64): f32 {
  const X = <f64>x, T = <f64>t;
  const U = X + eps;
  const u = <f32>U;
  if (u >= MIN_NORMAL32 && u <= MAX32 && abs<f32>(t) <= MAX32) {
    const r = <f32>1 / u;
    const f = logFractionF1(u), s = logSF1(f);
    const L = logJoinHf1(<f64>logExponentF1(u), <f64>f, <f64>s, <f64>logRF1(s)) + (U - <f64>u) * <f64>r;
    let l = X - T * L;
    if (full != 0) l = l + stirling(T);
    if (abs(l) >= abs(T) * T_RATE + abs(X) * X_RATE) return <f32>l;
  }
  return <f32>rate(X, T, eps, full);
}

function rateTargetGradLanes(x: v128, t: v128, s: v128, eps: v128, full: v128): v128 {
  const own = f64x2.mul(f64x2.neg(s), log_f64x2_call(f64x2.add(x, eps)));
  return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(stirlingGradLanes(t, s), own) : own;
}

function rateTargetGrad(x: f64, t: f64, s: f64, eps: f64, full: f64): f64 {
  const own = -s * log_f64_call(x + eps);
  return full != 0 ? stirlingGrad(t, s) + own : own;
}

// @ts-ignore: decorator
@final @unmanaged class PoissonNllLog {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, eps: N, full: N): N {
    if (sizeof<N>() == 4) return <N>logInput32(<f32>x, <f32>t, <f32>full);
    return <N>logInput(<f64>x, <f64>t, <f64>full);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, eps: v128, full: v128): v128 {
    return sizeof<N>() == 4 ? logInput32Lanes(x, t, full) : logInputLanes(x, t, full);
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, c: N, s: N, eps: N, full: N): N {
    const X = <f64>x, T = <f64>t, S = <f64>s;
    if (which == 0) return <N>logInputGrad(X, T, S);
    if (which == 1) return <N>(full != 0 ? stirlingGrad(T, S) + -S * X : -S * X);
    return <N>0;
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, c: v128, s: v128, eps: v128, full: v128): v128 {
    const ns = f64x2.neg(s);
    if (which == 0) return logInputGradLanes(x, t, s);
    if (which == 1) {
      const own = f64x2.mul(ns, x);
      return f64x2.extract_lane(full, 0) != 0 ? f64x2.add(stirlingGradLanes(t, s), own) : own;
    }
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
@final @unmanaged class PoissonNll {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline narrowValue(): bool { return true; }
  // @ts-ignore: decorator
  @inline wideParams(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, eps: f64, full: f64): N {
    if (sizeof<N>() == 4) return <N>rate32(<f32>x, <f32>t, eps, full);
    return <N>rate(<f64>x, <f64>t, eps, full);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, eps: v128, full: v128): v128 {
    return sizeof<N>() == 4 ? rate32Lanes(x, t, eps, full) : rateLanes(x, t, eps, full);
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, c: N, s: N, eps: N, full: N): N {
    const X = <f64>x, T = <f64>t, S = <f64>s, E = <f64>eps;
    if (which == 0) return <N>(S + (-S * T) / (X + E));
    if (which == 1) return <N>rateTargetGrad(X, T, S, E, <f64>full);
    return <N>0;
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, c: v128, s: v128, eps: v128, full: v128): v128 {
    const ns = f64x2.neg(s);
    if (which == 0) return f64x2.add(s, f64x2.div(f64x2.mul(ns, t), f64x2.add(x, eps)));
    if (which == 1) return rateTargetGradLanes(x, t, s, eps, full);
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

export function poisson_nll_log_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<PoissonNllLog, f32>(a, b, c, w, n, p, q); }
export function poisson_nll_log_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<PoissonNllLog, f64>(a, b, c, w, n, p, q); }
export function poisson_nll_log_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<PoissonNllLog, f32>(a, b, c, w, out, n, p, q); }
export function poisson_nll_log_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<PoissonNllLog, f64>(a, b, c, w, out, n, p, q); }
export function poisson_nll_log_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<PoissonNllLog, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_log_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<PoissonNllLog, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_log_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<PoissonNllLog, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_log_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<PoissonNllLog, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<PoissonNll, f32>(a, b, c, w, n, p, q); }
export function poisson_nll_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<PoissonNll, f64>(a, b, c, w, n, p, q); }
export function poisson_nll_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<PoissonNll, f32>(a, b, c, w, out, n, p, q); }
export function poisson_nll_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<PoissonNll, f64>(a, b, c, w, out, n, p, q); }
export function poisson_nll_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<PoissonNll, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<PoissonNll, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<PoissonNll, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function poisson_nll_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<PoissonNll, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
