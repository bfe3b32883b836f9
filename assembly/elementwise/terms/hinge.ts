// HingeEmbeddingLoss term (PyTorch 1.13's hinge_embedding_loss, a composite differentiated by autograd), for
// input x = a, target y = b and margin m = p (rounded to the input's precision first):
//   ℓ = where(y ≠ 1, clamp_min(m − x, 0), 0) + where(y ≠ −1, x, 0)
// so y = 1 gives x, y = −1 gives max(m − x, 0), and any other y (0, 2, NaN, …) adds both terms, as 1.13 does.
// Its gradient with respect to x, as autograd takes it (g the upstream; clamp_min's backward masks on m − x):
//   ∂/∂x = −where(m − x ≥ 0, where(y ≠ 1, g, 0), 0) + where(y ≠ −1, g, 0)
// and none with respect to y (compared only; `scaledGrad` gives +0, the zeros of torch's unused input). The masks
// select g before anything multiplies or negates it, so the signs of zeros follow PyTorch only when the term
// computes the scaled gradient itself (`scaledGrad`, see ../driver.ts). In the input's precision, in PyTorch's
// operation order. Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { vadd, vge, vne, vneg, vpmax, vsel, vsplat, vsub } from '../../lanes';

// @ts-ignore: decorator
@final @unmanaged class Hinge {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, y: N, c: N, m: N, q: N): N {
    let r = m - x;
    r = r < <N>0 ? <N>0 : r;
    return (y != <N>1 ? r : <N>0) + (y != <N>-1 ? x : <N>0);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, y: v128, c: v128, m: v128, q: v128): v128 {
    const zero = vsplat<N>(0);
    const r = vpmax<N>(vsub<N>(m, x), zero);
    return vadd<N>(vsel(r, zero, vne<N>(y, vsplat<N>(1))), vsel(x, zero, vne<N>(y, vsplat<N>(-1))));
  }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, y: N, c: N, s: N, m: N, q: N): N {
    if (which != 0) return <N>0;
    const gm = y != <N>1 ? s : <N>0;
    const gr = m - x >= <N>0 ? gm : <N>0;
    return -gr + (y != <N>-1 ? s : <N>0);
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, y: v128, c: v128, s: v128, m: v128, q: v128): v128 {
    const zero = vsplat<N>(0);
    if (which != 0) return zero;
    const gm = vsel(s, zero, vne<N>(y, vsplat<N>(1)));
    const gr = vsel(gm, zero, vge<N>(vsub<N>(m, x), zero));
    return vadd<N>(vneg<N>(gr), vsel(s, zero, vne<N>(y, vsplat<N>(-1))));
  }
  // The unscaled derivatives (the driver uses scaledGrad*, defined above; these state ∂ℓ for the contract).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, y: N, c: N, m: N, q: N): N { return this.scaledGrad<N>(0, x, y, c, <N>1, m, q); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, y: v128, c: v128, m: v128, q: v128): v128 { return this.scaledGradLanes<N>(0, x, y, c, vsplat<N>(1), m, q); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, y: N, c: N, m: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, y: v128, c: v128, m: v128, q: v128): v128 { return vsplat<N>(0); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, y: N, c: N, m: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, y: v128, c: v128, m: v128, q: v128): v128 { return vsplat<N>(0); }
}

export function hinge_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Hinge, f32>(a, b, c, w, n, p, q); }
export function hinge_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<Hinge, f64>(a, b, c, w, n, p, q); }
export function hinge_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Hinge, f32>(a, b, c, w, out, n, p, q); }
export function hinge_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<Hinge, f64>(a, b, c, w, out, n, p, q); }
export function hinge_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Hinge, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function hinge_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<Hinge, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function hinge_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Hinge, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function hinge_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<Hinge, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
