// SmoothL1Loss term (PyTorch 1.13's smooth_l1_loss and smooth_l1_loss_backward), with β = p ≥ 0 (rounded to the
// input's precision first, as PyTorch's `scalar_t(beta)`): with z = |a − b|,
//   ℓ = z < β ? 0.5·z·z/β : z − 0.5·β        (β = 0: every z takes the second branch, so ℓ = |a − b|)
//   ∂ℓ/∂a = d ≤ −β ? −1 : d ≥ β ? 1 : d/β    with d = a − b; NaN d gives NaN/β = NaN
//   ∂ℓ/∂b = the same with d = b − a           (PyTorch swaps the arguments: at d = 0 and β = 0 both are −1)
// In the input's precision, in PyTorch's operation order. Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vabs, vdiv, vge, vle, vlt, vmul, vneg, vsel, vsplat, vsub } from '../../lanes';

/** ∂ℓ/∂d for the difference `d` (PyTorch's branch order: −β first, so d = 0 with β = 0 gives −1). */
// @ts-ignore: decorator
@inline function slope<N>(d: N, beta: N): N {
  return d <= -beta ? <N>-1 : d >= beta ? <N>1 : d / beta;
}

// @ts-ignore: decorator
@inline function slopeLanes<N>(d: v128, beta: v128): v128 {
  const one = vsplat<N>(1);
  return vsel(vneg<N>(one), vsel(one, vdiv<N>(d, beta), vge<N>(d, beta)), vle<N>(d, vneg<N>(beta)));
}

// @ts-ignore: decorator
@final @unmanaged class SmoothL1 {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, c: N, beta: N, q: N): N {
    const z = abs<N>(a - b);
    return z < beta ? <N>0.5 * z * z / beta : z - <N>0.5 * beta;
  }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 {
    const z = vabs<N>(vsub<N>(a, b));
    const half = vsplat<N>(0.5);
    return vsel(vdiv<N>(vmul<N>(vmul<N>(half, z), z), beta), vsub<N>(z, vmul<N>(half, beta)), vlt<N>(z, beta));
  }
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, c: N, beta: N, q: N): N { return slope<N>(a - b, beta); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 { return slopeLanes<N>(vsub<N>(a, b), beta); }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, c: N, beta: N, q: N): N { return slope<N>(b - a, beta); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 { return slopeLanes<N>(vsub<N>(b, a), beta); }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function smooth_l1_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SmoothL1, f32>(a, b, c, w, n, p, q); }
export function smooth_l1_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SmoothL1, f64>(a, b, c, w, n, p, q); }
export function smooth_l1_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SmoothL1, f32>(a, b, c, w, out, n, p, q); }
export function smooth_l1_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SmoothL1, f64>(a, b, c, w, out, n, p, q); }
export function smooth_l1_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SmoothL1, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function smooth_l1_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SmoothL1, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function smooth_l1_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SmoothL1, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function smooth_l1_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SmoothL1, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
