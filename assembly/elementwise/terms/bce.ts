// BCELoss term (PyTorch 1.13's binary_cross_entropy and binary_cross_entropy_backward, CPU kernels), for inputs
// x = a in [0, 1] and targets y = b:
//   ℓ = (y − 1)·max(log(1 − x), −100) − y·max(log x, −100)
//   ∂ℓ/∂x = (x − y) / max((1 − x)·x, ε)              (ε = float32(1e-12), PyTorch's `float EPSILON`, in N)
//   ∂ℓ/∂y = log(1 − x) − log x                        (no clamp, so ±∞ at x = 0, 1; +0 at x = ½, as 1.13)
// with PyTorch's operation order, in the input's precision (1 − x rounded there: 1.13 takes log(1 − x), not
// log1p(−x)); max(v, m) is std::max, `v < m ? m : v`, so a NaN log stays NaN.
// An input outside [0, 1] (NaN included) makes ℓ NaN (log of a negative number or of NaN), never a finite
// number: the facade runs `outside_unit_*` (assembly/checks.ts) to name it. Targets are not checked (as 1.13).
// Wide: float32 inputs are computed in float64 (promoted, each result rounded once). Targets outside [0, 1] make the
// two products cancel, and the target's gradient near x = ½ is a cancellation of its own; any float32 evaluation that is not
// bit-identical to PyTorch's then misses the accuracy rule on some fixture case (measured: 113 of 239). log:
// assembly/math/log.ts (float64 < 1 ulp). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vdiv, vmul, vpmax, vsplat, vsub } from '../../lanes';
import { logLanes, logOf } from '../../math/log';

/** PyTorch's `static const float EPSILON = 1e-12`: the float32 value, also in float64 kernels. */
const EPSILON: f64 = <f64><f32>1e-12;

// @ts-ignore: decorator
@inline function clampLog<N>(v: N): N {
  const l = logOf<N>(v);
  return l < <N>-100 ? <N>-100 : l;
}

// @ts-ignore: decorator
@final @unmanaged class Bce {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, y: N, c: N, p: N, q: N): N {
    return (y - <N>1) * clampLog<N>(<N>1 - x) - y * clampLog<N>(x);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    const one = vsplat<N>(1), floor = vsplat<N>(-100);
    const a = vpmax<N>(logLanes<N>(vsub<N>(one, x)), floor);
    const b = vpmax<N>(logLanes<N>(x), floor);
    return vsub<N>(vmul<N>(vsub<N>(y, one), a), vmul<N>(y, b));
  }
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, y: N, c: N, p: N, q: N): N {
    const d = (<N>1 - x) * x;
    return (x - y) / (d < <N>EPSILON ? <N>EPSILON : d);
  }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    const d = vmul<N>(vsub<N>(vsplat<N>(1), x), x);
    return vdiv<N>(vsub<N>(x, y), vpmax<N>(d, vsplat<N>(EPSILON)));
  }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, y: N, c: N, p: N, q: N): N { return logOf<N>(<N>1 - x) - logOf<N>(x); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, y: v128, c: v128, p: v128, q: v128): v128 {
    return vsub<N>(logLanes<N>(vsub<N>(vsplat<N>(1), x)), logLanes<N>(x));
  }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function bce_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Bce, f32>(a, b, c, w, n, p, q); }
export function bce_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Bce, f64>(a, b, c, w, n, p, q); }
export function bce_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Bce, f32>(a, b, c, w, out, n, p, q); }
export function bce_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Bce, f64>(a, b, c, w, out, n, p, q); }
export function bce_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Bce, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Bce, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function bce_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Bce, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function bce_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Bce, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
