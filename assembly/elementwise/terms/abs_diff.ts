// L1Loss term (PyTorch 1.13's l1_loss, a composite of abs and the reduction, differentiated by autograd):
// ℓ(a, b) = |a − b|, ∂ℓ/∂a = sgn(a − b), ∂ℓ/∂b = −sgn(a − b) (autograd negates the input's gradient, so a
// zero one is −0), where sgn(0) = 0 and sgn(NaN) = 0 (torch's sgn of a real NaN). Computed in the input's precision. Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vabs, vgt, vlt, vneg, vsel, vsplat, vsub } from '../../lanes';

/** sgn(d) as PyTorch's autograd of abs uses it: 1, −1, or 0 for 0 and NaN. */
// @ts-ignore: decorator
@inline function sgn<N>(d: N): N {
  return d > 0 ? <N>1 : d < 0 ? <N>-1 : <N>0;
}

/** Lane version of `sgn`: (d > 0 ? 1 : 0) − (d < 0 ? 1 : 0) through masks; NaN lanes fail both compares. */
// @ts-ignore: decorator
@inline function sgnLanes<N>(d: v128): v128 {
  const zero = vsplat<N>(0);
  return vsel(vsplat<N>(1), vsel(vsplat<N>(-1), zero, vlt<N>(d, zero)), vgt<N>(d, zero));
}

// @ts-ignore: decorator
@final @unmanaged class AbsDiff {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline nonNegative(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, c: N, p: N, q: N): N { return abs<N>(a - b); }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vabs<N>(vsub<N>(a, b)); }
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, c: N, p: N, q: N): N { return sgn<N>(a - b); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return sgnLanes<N>(vsub<N>(a, b)); }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, c: N, p: N, q: N): N { return -sgn<N>(a - b); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vneg<N>(sgnLanes<N>(vsub<N>(a, b))); }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function abs_diff_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<AbsDiff, f32>(a, b, c, w, n, p, q); }
export function abs_diff_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<AbsDiff, f64>(a, b, c, w, n, p, q); }
export function abs_diff_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<AbsDiff, f32>(a, b, c, w, out, n, p, q); }
export function abs_diff_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<AbsDiff, f64>(a, b, c, w, out, n, p, q); }
export function abs_diff_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<AbsDiff, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function abs_diff_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<AbsDiff, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function abs_diff_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<AbsDiff, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function abs_diff_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<AbsDiff, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
