// HuberLoss term (PyTorch 1.13's huber_loss and huber_loss_backward, CPU kernels), with δ = p > 0 (rounded to the
// input's precision first, as PyTorch's `scalar_t delta_val(delta)`): with z = |a − b|,
//   ℓ = z < δ ? (0.5·z)·z : δ·(z − 0.5·δ)      (PyTorch's own operation order, not δ·SmoothL1(β = δ): that
//                                               rounds differently; NaN z gives NaN either way)
//   ∂ℓ/∂a = d ≤ −δ ? −δ : d ≥ δ ? δ : d        with d = a − b (NaN d gives NaN)
//   ∂ℓ/∂b = the same with d = b − a           (PyTorch's backward swaps the arguments)
// times the upstream s. In the input's precision (float32 lanes for float32: only +, −, ×, |·| and compares, so each
// element is bit-identical to PyTorch's). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { clampedQuadLanes } from '../clamped_quad';
import { vabs, vge, vle, vneg, vsel, vsplat, vsub } from '../../lanes';

/** ∂ℓ/∂d for the difference `d`. */
// @ts-ignore: decorator
@inline function slope<N>(d: N, delta: N): N {
  return d <= -delta ? -delta : d >= delta ? delta : d;
}

// @ts-ignore: decorator
@inline function slopeLanes<N>(d: v128, delta: v128): v128 {
  return vsel(vneg<N>(delta), vsel(delta, d, vge<N>(d, delta)), vle<N>(d, vneg<N>(delta)));
}

// @ts-ignore: decorator
@final @unmanaged class Huber {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline nonNegative(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, c: N, delta: N, q: N): N {
    const z = abs<N>(a - b);
    return z < delta ? <N>0.5 * z * z : delta * (z - <N>0.5 * delta);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, c: v128, delta: v128, q: v128): v128 {
    // PyTorch's vector path is blendv(0.5·z·z, δ·(z − 0.5·δ), z ≥ δ); ../clamped_quad.ts gives its bits in fewer
    // operations.
    return clampedQuadLanes<N>(vabs<N>(vsub<N>(a, b)), delta);
  }
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, c: N, delta: N, q: N): N { return slope<N>(a - b, delta); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, c: v128, delta: v128, q: v128): v128 { return slopeLanes<N>(vsub<N>(a, b), delta); }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, c: N, delta: N, q: N): N { return slope<N>(b - a, delta); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, c: v128, delta: v128, q: v128): v128 { return slopeLanes<N>(vsub<N>(b, a), delta); }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function huber_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Huber, f32>(a, b, c, w, n, p, q); }
export function huber_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Huber, f64>(a, b, c, w, n, p, q); }
export function huber_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Huber, f32>(a, b, c, w, out, n, p, q); }
export function huber_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Huber, f64>(a, b, c, w, out, n, p, q); }
export function huber_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Huber, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function huber_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Huber, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function huber_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Huber, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function huber_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Huber, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
