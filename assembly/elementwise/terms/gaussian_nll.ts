// GaussianNLLLoss term (PyTorch 1.13's gaussian_nll_loss, Python composite differentiated by autograd), input x = a,
// target t = b, variance v = c, p = eps, q = full (1 or 0):
//   v' = max(v, eps)                                   (clamp_(min=eps) under no_grad; a NaN v stays NaN)
//   ℓ = 0.5·(log v' + (d·d)/v')  [+ 0.5·log(2π) when full],  d = x − t
//   h = s·0.5 (s: upstream times weight, 'mean' 1/n in it)
//   ∂ℓ/∂x·s = (h/v')·(2·d),  ∂ℓ/∂t·s = −((h/v')·(2·d))
//   ∂ℓ/∂v·s = h/v' + (−h)·(((d·d)/v')/v')     (the clamp is outside autograd: at a clamped element this is the
//                                               unclamped formula at v' = eps, huge, not 0)
// Wide: float32 inputs are computed in float64 and rounded once (log v' + d²/v' cancels for v' < 1, and so does the
// variance's gradient). eps is used as given (float64), as the float64 reference does. Only the f64 methods are
// ever compiled (see ../driver.ts). log: math/log.ts (< 1 ulp). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { log_f64_call, log_f64x2_call } from '../../math/calls';

const HALF_LOG_2PI: f64 = 0.5 * 1.8378770664093453; // PyTorch's 0.5 * math.log(2 * math.pi), a Python float

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

// @ts-ignore: decorator
@final @unmanaged class GaussianNll {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, v: N, eps: N, full: N): N {
    if (sizeof<N>() == 4) ERROR('gaussian_nll: a wide term, float64 only');
    return <N>loss(<f64>x, <f64>t, <f64>v, <f64>eps, <f64>full);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, v: v128, eps: v128, full: v128): v128 {
    return lossLanes(x, t, v, eps, full);
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
