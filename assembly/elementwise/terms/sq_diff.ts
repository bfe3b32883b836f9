// MSELoss term (PyTorch's mse_loss and mse_loss_backward): ℓ(a, b) = (a − b)², ∂ℓ/∂a = 2·(a − b),
// ∂ℓ/∂b = 2·(b − a). Computed in the input's precision, as PyTorch does. Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vadd, vmul, vsub, vsplat } from '../../lanes';

// @ts-ignore: decorator
@final @unmanaged class SqDiff {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline nonNegative(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, c: N, p: N, q: N): N {
    const d = a - b;
    return d * d;
  }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 {
    const d = vsub<N>(a, b);
    return vmul<N>(d, d);
  }
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, c: N, p: N, q: N): N {
    const d = a - b;
    return d + d;
  }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 {
    const d = vsub<N>(a, b);
    return vadd<N>(d, d);
  }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, c: N, p: N, q: N): N {
    const d = b - a;
    return d + d;
  }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 {
    const d = vsub<N>(b, a);
    return vadd<N>(d, d);
  }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function sq_diff_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SqDiff, f32>(a, b, c, w, n, p, q); }
export function sq_diff_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SqDiff, f64>(a, b, c, w, n, p, q); }
export function sq_diff_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SqDiff, f32>(a, b, c, w, out, n, p, q); }
export function sq_diff_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SqDiff, f64>(a, b, c, w, out, n, p, q); }
export function sq_diff_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SqDiff, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function sq_diff_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SqDiff, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function sq_diff_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SqDiff, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function sq_diff_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SqDiff, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
