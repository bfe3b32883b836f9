// MarginRankingLoss term (PyTorch 1.13's margin_ranking_loss, a composite differentiated by autograd), for
// input1 = a, input2 = b, target y = c and margin m = p (rounded to the inputs' precision first, as PyTorch's
// `+ margin` on a tensor does):
//   u = (−y)·(a − b) + m,   ℓ = clamp_min(u, 0) = u < 0 ? 0 : u    (NaN stays NaN)
// and the gradients autograd takes through it, with g the upstream and gu = where(u ≥ 0, g, 0) (clamp_min's
// backward masks on its input u, so u = 0 passes the gradient and a NaN u stops it):
//   ∂/∂a = gu·(−y),   ∂/∂b = −(gu·(−y)),   ∂/∂y = −(gu·(a − b))
// The mask selects g before it multiplies, so a masked-out zero takes its sign from −y (or a − b), not from g, and
// 0·NaN makes ∂/∂y NaN where a − b is: hence `scaledGrad` (the driver's contract for such terms). In the inputs'
// precision, in PyTorch's operation order (float32 lanes for float32, as PyTorch computes). ℓ is never negative (NaN
// aside; u = −0 gives −0), so an unweighted float32 sum adds its terms in float32 blocks first (`nonNegative`: the
// driver's block4, bound in its header). Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vadd, vge, vmul, vneg, vpmax, vsel, vsplat, vsub } from '../../lanes';

/** u = (−y)·(a − b) + m. */
// @ts-ignore: decorator
@inline function u1<N>(a: N, b: N, y: N, m: N): N {
  return -y * (a - b) + m;
}

// @ts-ignore: decorator
@inline function uLanes<N>(a: v128, b: v128, y: v128, m: v128): v128 {
  return vadd<N>(vmul<N>(vneg<N>(y), vsub<N>(a, b)), m);
}

// @ts-ignore: decorator
@final @unmanaged class MarginRanking {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline nonNegative(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, y: N, m: N, q: N): N {
    const u = u1<N>(a, b, y, m);
    return u < <N>0 ? <N>0 : u;
  }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, y: v128, m: v128, q: v128): v128 {
    return vpmax<N>(uLanes<N>(a, b, y, m), vsplat<N>(0)); // pmax(u, 0) = u < 0 ? 0 : u
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, a: N, b: N, y: N, s: N, m: N, q: N): N {
    const gu = u1<N>(a, b, y, m) >= <N>0 ? s : <N>0;
    return which == 0 ? gu * -y : which == 1 ? -(gu * -y) : -(gu * (a - b));
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, a: v128, b: v128, y: v128, s: v128, m: v128, q: v128): v128 {
    const zero = vsplat<N>(0);
    const gu = vsel(s, zero, vge<N>(uLanes<N>(a, b, y, m), zero));
    return which == 0 ? vmul<N>(gu, vneg<N>(y))
      : which == 1 ? vneg<N>(vmul<N>(gu, vneg<N>(y))) : vneg<N>(vmul<N>(gu, vsub<N>(a, b)));
  }
  // The unscaled derivatives (the driver uses scaledGrad*, defined above; these state ∂ℓ for the contract).
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, y: N, m: N, q: N): N { return this.scaledGrad<N>(0, a, b, y, <N>1, m, q); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, y: v128, m: v128, q: v128): v128 { return this.scaledGradLanes<N>(0, a, b, y, vsplat<N>(1), m, q); }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, y: N, m: N, q: N): N { return this.scaledGrad<N>(1, a, b, y, <N>1, m, q); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, y: v128, m: v128, q: v128): v128 { return this.scaledGradLanes<N>(1, a, b, y, vsplat<N>(1), m, q); }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, y: N, m: N, q: N): N { return this.scaledGrad<N>(2, a, b, y, <N>1, m, q); }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, y: v128, m: v128, q: v128): v128 { return this.scaledGradLanes<N>(2, a, b, y, vsplat<N>(1), m, q); }
}

export function margin_ranking_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<MarginRanking, f32>(a, b, c, w, n, p, q); }
export function margin_ranking_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<MarginRanking, f64>(a, b, c, w, n, p, q); }
export function margin_ranking_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<MarginRanking, f32>(a, b, c, w, out, n, p, q); }
export function margin_ranking_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<MarginRanking, f64>(a, b, c, w, out, n, p, q); }
export function margin_ranking_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<MarginRanking, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function margin_ranking_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<MarginRanking, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function margin_ranking_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<MarginRanking, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function margin_ranking_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<MarginRanking, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
