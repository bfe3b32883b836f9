// The logistic pieces BCEWithLogits and the sigmoid focal loss share, in float64 (scalar and f64x2 twins that
// perform the same operations, so a lane and a scalar tail give the same bits), as PyTorch 1.13's CPU kernels
// compute them:
//   m = max(−x, 0) (clamp_min_: a NaN x stays NaN)
//   L = log(e^(−m) + e^((−x) − m)) with one exp (see lse)
//   σ(x) = 1/(1 + e^−x), or from a shared e^(−|x|) (sigmoidFrom: (x ≥ 0 ? 1 : e)/(1 + e))
// exp: math/exp.ts exp2x (≤ 1 ulp); log: math/log.ts (< 1 ulp), both out of line (math/calls.ts).
// Not kernels: nothing here is exported from assembly/index.ts.
import { exp_f64_call, exp_f64x2_call, log_f64_call, log_f64x2_call } from './calls';

/** m = max(−x, 0) on two f64 lanes (a NaN x stays NaN). */
// @ts-ignore: decorator
@inline export function mLanes(x: v128): v128 {
  const nx = f64x2.neg(x);
  return v128.bitselect(f64x2.splat(0), nx, f64x2.lt(nx, f64x2.splat(0)));
}

/** m = max(−x, 0) (a NaN x stays NaN). */
// @ts-ignore: decorator
@inline export function mOf(x: f64): f64 {
  const nx = -x;
  return nx < 0 ? 0 : nx;
}

/**
 * L = log(e^(−m) + e^((−x) − m)) with one exp: one of the two exponents is 0 (e^0 = 1 exactly, e^−0 too), so the
 * sum is 1 + e^(−|x|) bit for bit, except where d = (−x) − m is NaN (PyTorch's e^(−∞ + ∞) at x = −∞, and a NaN
 * x): L is NaN there.
 */
export function lseLanes(x: v128, m: v128): v128 {
  const d = f64x2.sub(f64x2.neg(x), m);
  const l = log_f64x2_call(f64x2.add(f64x2.splat(1), exp_f64x2_call(f64x2.neg(f64x2.abs(x)))));
  return v128.bitselect(d, l, f64x2.ne(d, d));
}

/** L (see lseLanes). */
export function lse(x: f64, m: f64): f64 {
  const d = -x - m;
  return d != d ? d : log_f64_call(1.0 + exp_f64_call(-abs<f64>(x)));
}

/** σ(x) = 1/(1 + e^−x) on two f64 lanes. */
export function sigmoidLanes(x: v128): v128 {
  const one = f64x2.splat(1);
  return f64x2.div(one, f64x2.add(one, exp_f64x2_call(f64x2.neg(x))));
}

/** σ(x) = 1/(1 + e^−x). */
export function sigmoid(x: f64): f64 {
  return 1.0 / (1.0 + exp_f64_call(-x));
}

/**
 * σ(x) and L from one e = e^(−|x|) (the sigmoid focal loss needs both): σ = (x ≥ 0 ? 1 : e)/(1 + e), which for
 * x ≥ 0 is 1/(1 + e^−x) bit for bit and for x < 0 within an ulp of it (e^−x there is 1/e); L = log(1 + e) as lse
 * (NaN where (−x) − m is NaN). Two f64 lanes; `sigmoidLseOf` is the scalar twin (the same operations).
 */
export function sigmoidFromLanes(x: v128, e: v128): v128 {
  const one = f64x2.splat(1);
  return f64x2.div(v128.bitselect(one, e, f64x2.ge(x, f64x2.splat(0))), f64x2.add(one, e));
}

/** L = log(1 + e) with lse's NaN rule, from e = e^(−|x|), on two f64 lanes. */
export function lseFromLanes(x: v128, m: v128, e: v128): v128 {
  const d = f64x2.sub(f64x2.neg(x), m);
  return v128.bitselect(d, log_f64x2_call(f64x2.add(f64x2.splat(1), e)), f64x2.ne(d, d));
}

/** e^(−|x|) on two f64 lanes. */
export function expNegAbsLanes(x: v128): v128 {
  return exp_f64x2_call(f64x2.neg(f64x2.abs(x)));
}

/** σ(x) from e = e^(−|x|) (see sigmoidFromLanes). */
export function sigmoidFrom(x: f64, e: f64): f64 {
  return (x >= 0 ? 1.0 : e) / (1.0 + e);
}

/** L = log(1 + e) with lse's NaN rule, from e = e^(−|x|). */
export function lseFrom(x: f64, m: f64, e: f64): f64 {
  const d = -x - m;
  return d != d ? d : log_f64_call(1.0 + e);
}

/** e^(−|x|). */
export function expNegAbs(x: f64): f64 {
  return exp_f64_call(-abs<f64>(x));
}
