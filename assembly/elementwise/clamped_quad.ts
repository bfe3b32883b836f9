// The piecewise quadratic of HuberLoss (any δ) and SmoothL1Loss at β = 1 on lanes:
//   q(z) = z < δ ? (0.5·z)·z : δ·(z − 0.5·δ)                 (z = |a − b| ≥ 0 or NaN, δ > 0)
// computed as m·(z − 0.5·m) with m = pmin(z, δ) = (δ < z ? δ : z), which is the same value bit for bit:
// - z ≥ δ: m = δ (z = δ too: m = z = δ), and the expression is δ·(z − 0.5·δ) itself;
// - z < δ: m = z, and z − 0.5·z is 0.5·z exactly wherever 0.5·z is (z ≥ 2^-125 in float32, 2^-1021 in float64), so
//   m·(z − 0.5·m) is z·(0.5·z), PyTorch's (0.5·z)·z; below that both products are below half the smallest
//   subnormal and round to +0;
// - a NaN z gives m = NaN (pmin keeps its first operand when the compare fails), so NaN, as both branches do.
// Five operations after |a − b| (pmin, two multiplies, a subtract, the constant), against the two-branch form's two
// branches, compare and three-instruction select. Used by the terms in terms/huber.ts and terms/smooth_l1.ts.
import { vmul, vpmin, vsplat, vsub } from '../lanes';

/** q(z) on lanes of N for the threshold δ (see the header). */
// @ts-ignore: decorator
@inline export function clampedQuadLanes<N>(z: v128, delta: v128): v128 {
  const m = vpmin<N>(z, delta);
  return vmul<N>(m, vsub<N>(z, vmul<N>(vsplat<N>(0.5), m)));
}
