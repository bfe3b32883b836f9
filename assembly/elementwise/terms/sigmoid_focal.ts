// The sigmoid focal loss term (torchvision 0.14's ops.sigmoid_focal_loss, RetinaNet), input logits x = a,
// target t = b, parameters p = α (negative: no α weighting) and q = γ, in torchvision's operation order:
//   σ = sigmoid(x),  ce = ((1 − t)·x + m) + L  (BCEWithLogits' 1.13 form: m, L as math/logistic.ts), σ and L from
//   one e = e^(−|x|): σ = (x ≥ 0 ? 1 : e)/(1 + e) (torch's 1/(1 + e^−x) for x ≥ 0, within an ulp of it below)
//   p_t = σ·t + (1 − σ)·(1 − t),  b = 1 − p_t,  f = b^γ
//   ℓ = ce·f,  and for α ≥ 0:  ℓ = α_t·(ce·f) with α_t = α·t + (1 − α)·(1 − t)
// b^γ as torch's pow(Tensor, Scalar) special-cases it (γ = 0, 1, 2, 3), other γ as powOf below; its backward
// γ·b^(γ−1) with the same rule, and 0 for γ = 0 (pow_backward's zeros).
// Gradients, autograd's chain with the upstream s entering first (scaledGrad, so exact zeros take PyTorch's signs):
//   g_ℓ = s·α_t (or s),  g_ce = g_ℓ·f,  g_f = g_ℓ·ce,  g_b = g_f·(γ·b^(γ−1)),  g_pt = −g_b
//   ∂x:  g_ce·(σ − t) + ((g_pt·t + −(g_pt·(1 − t)))·(1 − σ))·σ              (bce_logits' and sigmoid's backward)
//   ∂t:  g_ce·(−x) + (g_pt·σ + −(g_pt·(1 − σ))) [+ (s·(ce·f))·α + −((s·(ce·f))·(1 − α)) for α ≥ 0]
// Wide: float32 inputs are computed in float64 and rounded once (as bce_logits.ts: the BCE part cancels for
// negative logits and σ − t cancels where the prediction is good, so a float32 evaluation that is not
// bit-identical to PyTorch's misses DESIGN §2's accuracy rule). Only the f64 methods are ever compiled.
// Drivers, pointer contract and lane layout: ../driver.ts.
import { grad, map, sum, sumGrad } from '../driver';
import { exp_f64_call, log_f64_call } from '../../math/calls';
import { expNegAbs, expNegAbsLanes, lseFrom, lseFromLanes, mLanes, mOf, sigmoidFrom, sigmoidFromLanes } from '../../math/logistic';

/** b^n for an integer n by repeated squaring (1/b^|n| for n < 0). */
function powInt(b: f64, n: i32): f64 {
  let r = 1.0, x = b, k = n < 0 ? -n : n;
  while (k != 0) {
    if (k & 1) r *= x;
    x *= x;
    k >>= 1;
  }
  return n < 0 ? 1.0 / r : r;
}

/**
 * b^γ: torch's special cases of pow(Tensor, Scalar) (γ = 0 → 1, 1 → b, 2 → b·b, 3 → b·b·b), other integers
 * (|γ| ≤ 1024) by squaring, else e^(γ·log b) with the exp and log polynomials (NaN for b < 0, as pow; 0 and +∞ as
 * pow's limits). Not libm's pow, so that a TypeScript reference gives the same bits; within a few ulp of it for
 * |γ·log b| < 1000 (ample for DESIGN §2's float64 rule, 1e-12 relative).
 */
function powOf(b: f64, g: f64): f64 {
  if (g == 2) return b * b;
  if (g == 1) return b;
  if (g == 0) return 1.0;
  if (g == 3) return b * b * b;
  if (g == Math.floor(g) && Math.abs(g) <= 1024) return powInt(b, <i32>g);
  if (b < 0) return NaN;
  return exp_f64_call(g * log_f64_call(b));
}

/** powOf lane by lane (the same bits as the scalar). */
function powLanes(b: v128, gv: v128): v128 {
  const g = f64x2.extract_lane(gv, 0);
  if (g == 2) return f64x2.mul(b, b);
  return f64x2.replace_lane(f64x2.splat(powOf(f64x2.extract_lane(b, 0), g)), 1, powOf(f64x2.extract_lane(b, 1), g));
}

/** The term and, when `which` ≥ 0, the scaled gradient of operand `which` (0 x, 1 t; 2 → 0), scalar. */
function focal(which: i32, x: f64, t: f64, s: f64, alpha: f64, gamma: f64): f64 {
  const e = expNegAbs(x);
  const sg = sigmoidFrom(x, e);
  const m = mOf(x);
  const ce = ((1 - t) * x + m) + lseFrom(x, m, e);
  const pt = sg * t + (1 - sg) * (1 - t);
  const b = 1 - pt;
  const f = powOf(b, gamma);
  const weighted = alpha >= 0;
  const at = alpha * t + (1 - alpha) * (1 - t);
  if (which < 0) return weighted ? at * (ce * f) : ce * f;
  if (which == 2) return 0;
  const gl = weighted ? s * at : s;
  const gce = gl * f;
  const gb = gamma == 0 ? 0.0 : (gl * ce) * (gamma * powOf(b, gamma - 1));
  const gpt = -gb;
  if (which == 0) return gce * (sg - t) + ((gpt * t + -(gpt * (1 - t))) * (1 - sg)) * sg;
  let r = gce * -x + (gpt * sg + -(gpt * (1 - sg)));
  if (weighted) {
    const gat = s * (ce * f);
    r = r + (gat * alpha + -(gat * (1 - alpha)));
  }
  return r;
}

/** focal on two f64 lanes, the same operations. */
function focalLanes(which: i32, x: v128, t: v128, s: v128, av: v128, gv: v128): v128 {
  const one = f64x2.splat(1);
  const alpha = f64x2.extract_lane(av, 0), gamma = f64x2.extract_lane(gv, 0);
  const e = expNegAbsLanes(x);
  const sg = sigmoidFromLanes(x, e);
  const m = mLanes(x);
  const ce = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(one, t), x), m), lseFromLanes(x, m, e));
  const omt = f64x2.sub(one, t), oms = f64x2.sub(one, sg);
  const pt = f64x2.add(f64x2.mul(sg, t), f64x2.mul(oms, omt));
  const b = f64x2.sub(one, pt);
  const f = powLanes(b, gv);
  const weighted = alpha >= 0;
  const at = f64x2.add(f64x2.mul(av, t), f64x2.mul(f64x2.splat(1 - alpha), omt));
  if (which < 0) return weighted ? f64x2.mul(at, f64x2.mul(ce, f)) : f64x2.mul(ce, f);
  if (which == 2) return f64x2.splat(0);
  const gl = weighted ? f64x2.mul(s, at) : s;
  const gce = f64x2.mul(gl, f);
  const gb = gamma == 0 ? f64x2.splat(0)
    : f64x2.mul(f64x2.mul(gl, ce), f64x2.mul(gv, powLanes(b, f64x2.splat(gamma - 1))));
  const gpt = f64x2.neg(gb);
  if (which == 0) {
    const gp = f64x2.add(f64x2.mul(gpt, t), f64x2.neg(f64x2.mul(gpt, omt)));
    return f64x2.add(f64x2.mul(gce, f64x2.sub(sg, t)), f64x2.mul(f64x2.mul(gp, oms), sg));
  }
  let r = f64x2.add(f64x2.mul(gce, f64x2.neg(x)), f64x2.add(f64x2.mul(gpt, sg), f64x2.neg(f64x2.mul(gpt, oms))));
  if (weighted) {
    const gat = f64x2.mul(s, f64x2.mul(ce, f));
    r = f64x2.add(r, f64x2.add(f64x2.mul(gat, av), f64x2.neg(f64x2.mul(gat, f64x2.splat(1 - alpha)))));
  }
  return r;
}

// @ts-ignore: decorator
@final @unmanaged class SigmoidFocal {
  // @ts-ignore: decorator
  @inline wide(): bool { return true; }
  // @ts-ignore: decorator
  @inline value<N>(x: N, t: N, c: N, p: N, q: N): N {
    if (sizeof<N>() == 4) ERROR('sigmoid_focal: a wide term, float64 only');
    return <N>focal(-1, <f64>x, <f64>t, 0, <f64>p, <f64>q);
  }
  // @ts-ignore: decorator
  @inline lanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return focalLanes(-1, x, t, x, p, q); }
  // @ts-ignore: decorator
  @inline scaledGrad<N>(which: i32, x: N, t: N, c: N, s: N, p: N, q: N): N {
    return <N>focal(which, <f64>x, <f64>t, <f64>s, <f64>p, <f64>q);
  }
  // @ts-ignore: decorator
  @inline scaledGradLanes<N>(which: i32, x: v128, t: v128, c: v128, s: v128, p: v128, q: v128): v128 {
    return focalLanes(which, x, t, s, p, q);
  }
  // The unscaled derivatives (the driver uses scaledGrad*, defined above; these state ∂ℓ for the contract).
  // @ts-ignore: decorator
  @inline gradA<N>(x: N, t: N, c: N, p: N, q: N): N { return this.scaledGrad<N>(0, x, t, c, <N>1, p, q); }
  // @ts-ignore: decorator
  @inline gradALanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return focalLanes(0, x, t, f64x2.splat(1), p, q); }
  // @ts-ignore: decorator
  @inline gradB<N>(x: N, t: N, c: N, p: N, q: N): N { return this.scaledGrad<N>(1, x, t, c, <N>1, p, q); }
  // @ts-ignore: decorator
  @inline gradBLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return focalLanes(1, x, t, f64x2.splat(1), p, q); }
  // @ts-ignore: decorator
  @inline gradC<N>(x: N, t: N, c: N, p: N, q: N): N { return <N>0; }
  // @ts-ignore: decorator
  @inline gradCLanes<N>(x: v128, t: v128, c: v128, p: v128, q: v128): v128 { return f64x2.splat(0); }
}

export function sigmoid_focal_sum_f32(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SigmoidFocal, f32>(a, b, c, w, n, p, q); }
export function sigmoid_focal_sum_f64(a: usize, b: usize, c: usize, w: usize, n: i32, p: f64, q: f64): f64 { return sum<SigmoidFocal, f64>(a, b, c, w, n, p, q); }
export function sigmoid_focal_map_f32(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SigmoidFocal, f32>(a, b, c, w, out, n, p, q); }
export function sigmoid_focal_map_f64(a: usize, b: usize, c: usize, w: usize, out: usize, n: i32, p: f64, q: f64): void { map<SigmoidFocal, f64>(a, b, c, w, out, n, p, q); }
export function sigmoid_focal_grad_f32(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SigmoidFocal, f32>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function sigmoid_focal_grad_f64(a: usize, b: usize, c: usize, w: usize, g: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): void { grad<SigmoidFocal, f64>(a, b, c, w, g, gs, ga, gb, gc, n, p, q); }
export function sigmoid_focal_sumgrad_f32(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SigmoidFocal, f32>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
export function sigmoid_focal_sumgrad_f64(a: usize, b: usize, c: usize, w: usize, gs: f64, ga: usize, gb: usize, gc: usize, n: i32, p: f64, q: f64): f64 { return sumGrad<SigmoidFocal, f64>(a, b, c, w, gs, ga, gb, gc, n, p, q); }
