// SmoothL1Loss term (PyTorch 1.13's smooth_l1_loss and smooth_l1_loss_backward), with β = p ≥ 0 (rounded to the
// input's precision first, as PyTorch's `scalar_t(beta)`): with z = |a − b|,
//   ℓ = z < β ? 0.5·z·z/β : z − 0.5·β        (β = 0: every z takes the second branch, so ℓ = |a − b|)
//   ∂ℓ/∂a = d ≤ −β ? −1 : d ≥ β ? 1 : d/β    with d = a − b; NaN d gives NaN/β = NaN
//   ∂ℓ/∂b = the same with d = b − a           (PyTorch swaps the arguments: at d = 0 and β = 0 both are −1)
// In the input's precision, in PyTorch's operation order. When β is a normal power of two (the default 1), x/β is
// x·(1/β) exactly (both are the correctly rounded x·2^-k), so the float32 kernels multiply by q = 1/β instead
// (SmoothL1Pow2: the same bits, and f32x4.div costs several multiplies; float64 keeps the division, for size).
// At β = 1 (the default) ℓ is HuberLoss's δ = 1 quadratic bit for bit (x/1 = x, 1·(z − 0.5) = z − 0.5), so the
// float32 value kernels (sum, map) take its shorter lane form (../clamped_quad.ts; SmoothL1Unit: the same bits).
// Drivers and contract: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { clampedQuadLanes } from '../clamped_quad';
import { vabs, vdiv, vge, vle, vlt, vmul, vneg, vsel, vsplat, vsub } from '../../lanes';

/** x/β, computed as x/β (Div) or, for a power-of-two β, as x·q with q = 1/β exact (ByRecip): the same value. */
// @ts-ignore: decorator
@final @unmanaged class Div {
  // @ts-ignore: decorator
  @inline over<N>(x: N, beta: N, q: N): N { return x / beta; }
  // @ts-ignore: decorator
  @inline overLanes<N>(x: v128, beta: v128, q: v128): v128 { return vdiv<N>(x, beta); }
}

// @ts-ignore: decorator
@final @unmanaged class ByRecip {
  // @ts-ignore: decorator
  @inline over<N>(x: N, beta: N, q: N): N { return x * q; }
  // @ts-ignore: decorator
  @inline overLanes<N>(x: v128, beta: v128, q: v128): v128 { return vmul<N>(x, q); }
}

/** β = 1: x/β is x (q = 1), and the lanes take clampedQuadLanes. */
// @ts-ignore: decorator
@final @unmanaged class Unit {
  // @ts-ignore: decorator
  @inline unit(): bool { return true; }
  // @ts-ignore: decorator
  @inline over<N>(x: N, beta: N, q: N): N { return x; }
  // @ts-ignore: decorator
  @inline overLanes<N>(x: v128, beta: v128, q: v128): v128 { return x; }
}

/** ∂ℓ/∂d for the difference `d` (PyTorch's branch order: −β first, so d = 0 with β = 0 gives −1). */
// @ts-ignore: decorator
@inline function slope<D, N>(d: N, beta: N, q: N): N {
  return d <= -beta ? <N>-1 : d >= beta ? <N>1 : changetype<D>(0).over<N>(d, beta, q);
}

// @ts-ignore: decorator
@inline function slopeLanes<D, N>(d: v128, beta: v128, q: v128): v128 {
  const one = vsplat<N>(1);
  const inner = changetype<D>(0).overLanes<N>(d, beta, q);
  return vsel(vneg<N>(one), vsel(one, inner, vge<N>(d, beta)), vle<N>(d, vneg<N>(beta)));
}

/** The term with its division by β done by D (Div, or ByRecip with q = 1/β). */
// @ts-ignore: decorator
@final @unmanaged class SmoothL1Of<D> {
  // @ts-ignore: decorator
  @inline wide(): bool { return false; }
  // @ts-ignore: decorator
  @inline nonNegative(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(a: N, b: N, c: N, beta: N, q: N): N {
    const z = abs<N>(a - b);
    return z < beta ? changetype<D>(0).over<N>(<N>0.5 * z * z, beta, q) : z - <N>0.5 * beta;
  }
  // @ts-ignore: decorator
  @inline lanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 {
    const z = vabs<N>(vsub<N>(a, b));
    if (isDefined(changetype<D>(0).unit)) return clampedQuadLanes<N>(z, beta); // β = 1
    const half = vsplat<N>(0.5);
    const quad = changetype<D>(0).overLanes<N>(vmul<N>(vmul<N>(half, z), z), beta, q);
    return vsel(quad, vsub<N>(z, vmul<N>(half, beta)), vlt<N>(z, beta));
  }
  // @ts-ignore: decorator
  @inline gradA<N>(a: N, b: N, c: N, beta: N, q: N): N { return slope<D, N>(a - b, beta, q); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 { return slopeLanes<D, N>(vsub<N>(a, b), beta, q); }
  // @ts-ignore: decorator
  @inline gradB<N>(a: N, b: N, c: N, beta: N, q: N): N { return slope<D, N>(b - a, beta, q); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(a: v128, b: v128, c: v128, beta: v128, q: v128): v128 { return slopeLanes<D, N>(vsub<N>(b, a), beta, q); }
  // @ts-ignore: decorator
  @inline gradC<N>(a: N, b: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(a: v128, b: v128, c: v128, p: v128, q: v128): v128 { return vsplat<N>(0); }
}

/** β as a float32 is a normal power of two, so that 1/β is exact and x/β = x·(1/β) for every float32 x. */
// @ts-ignore: decorator
@inline function pow2(beta: f64): bool {
  const bits = reinterpret<u32>(<f32>beta);
  const e = (bits >> 23) & 0xff;
  return (bits & 0x807fffff) == 0 && e != 0 && e != 0xff;
}

/** 1/β in float32 for ByRecip (exact for a power of two). */
// @ts-ignore: decorator
@inline function recip(beta: f64): f64 {
  return <f64>(<f32>1 / <f32>beta);
}

type SmoothL1 = SmoothL1Of<Div>;
type SmoothL1Pow2 = SmoothL1Of<ByRecip>;
type SmoothL1Unit = SmoothL1Of<Unit>;

export function smooth_l1_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 {
  if (p == 1) return sum<SmoothL1Unit, f32>(a, b, c, w, n, p, 1);
  return pow2(p) ? sum<SmoothL1Pow2, f32>(a, b, c, w, n, p, recip(p)) : sum<SmoothL1, f32>(a, b, c, w, n, p, q);
}
export function smooth_l1_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SmoothL1, f64>(a, b, c, w, n, p, q); }
export function smooth_l1_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void {
  if (p == 1) map<SmoothL1Unit, f32>(a, b, c, w, out, n, p, 1);
  else if (pow2(p)) map<SmoothL1Pow2, f32>(a, b, c, w, out, n, p, recip(p));
  else map<SmoothL1, f32>(a, b, c, w, out, n, p, q);
}
export function smooth_l1_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SmoothL1, f64>(a, b, c, w, out, n, p, q); }
export function smooth_l1_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void {
  if (pow2(p)) grad<SmoothL1Pow2, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, recip(p));
  else grad<SmoothL1, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q);
}
export function smooth_l1_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SmoothL1, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function smooth_l1_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 {
  return pow2(p)
    ? sumGrad<SmoothL1Pow2, f32>(a, b, c, w, gs, ga, gb, gc, n, p, recip(p))
    : sumGrad<SmoothL1, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q);
}
export function smooth_l1_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SmoothL1, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
