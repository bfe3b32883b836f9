// Reference of assembly/elementwise/terms/sigmoid_focal.ts (torchvision's sigmoid_focal_loss), a wide term with
// scaledGrad, logits x = a, targets t = b, p = α (negative: no weighting), q = γ:
//   σ = (x ≥ 0 ? 1 : e)/(1 + e) with e = e^(−|x|), ce = ((1 − t)·x + m) + L, p_t = σ·t + (1 − σ)·(1 − t), b = 1 − p_t, f = b^γ
//   ℓ = α_t·(ce·f) for α ≥ 0 (α_t = α·t + (1 − α)·(1 − t)), else ce·f
//   g_ℓ = s·α_t (or s), g_ce = g_ℓ·f, g_b = γ = 0 ? 0 : (g_ℓ·ce)·(γ·b^(γ−1)), g_pt = −g_b
//   x: g_ce·(σ − t) + ((g_pt·t + −(g_pt·(1 − t)))·(1 − σ))·σ
//   t: g_ce·(−x) + (g_pt·σ + −(g_pt·(1 − σ))) [+ g_at·α + −(g_at·(1 − α)), g_at = s·(ce·f), for α ≥ 0]
// b^γ: γ = 2 → b·b, 1 → b, 0 → 1, 3 → b·b·b, integers by squaring, else e^(γ·log b). exp and log are the kernel's (test/helpers/math64.ts).
// Interface: test/helpers/term-reference.ts.
import { exp64, log64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { logitInputs, lse, mOf } from './bce_logits.js';

function powInt(b: number, n: number): number {
  let r = 1;
  let x = b;
  let k = Math.abs(n);
  while (k !== 0) {
    if (k & 1) r *= x;
    x *= x;
    k >>= 1;
  }
  return n < 0 ? 1 / r : r;
}

/** b^γ as the kernel's powOf: torch's special cases, integers by squaring, else e^(γ·log b). */
function powOf(b: number, g: number): number {
  if (g === 2) return b * b;
  if (g === 1) return b;
  if (g === 0) return 1;
  if (g === 3) return b * b * b;
  if (g === Math.floor(g) && Math.abs(g) <= 1024) return powInt(b, g);
  if (b < 0) return NaN;
  return exp64(g * log64(b));
}

function focal(which: number, x: number, t: number, s: number, alpha: number, gamma: number): number {
  const e = exp64(-Math.abs(x));
  const sg = (x >= 0 ? 1 : e) / (1 + e);
  const m = mOf(x);
  const ce = (1 - t) * x + m + lse(x, m);
  const pt = sg * t + (1 - sg) * (1 - t);
  const b = 1 - pt;
  const f = powOf(b, gamma);
  const weighted = alpha >= 0;
  const at = alpha * t + (1 - alpha) * (1 - t);
  if (which < 0) return weighted ? at * (ce * f) : ce * f;
  const gl = weighted ? s * at : s;
  const gce = gl * f;
  const gb = gamma === 0 ? 0 : gl * ce * (gamma * powOf(b, gamma - 1));
  const gpt = -gb;
  if (which === 0) return gce * (sg - t) + (gpt * t + -(gpt * (1 - t))) * (1 - sg) * sg;
  let r = gce * -x + (gpt * sg + -(gpt * (1 - sg)));
  if (weighted) {
    const gat = s * (ce * f);
    r = r + (gat * alpha + -(gat * (1 - alpha)));
  }
  return r;
}

export const reference: TermReference = {
  term: 'sigmoid_focal',
  operands: 2,
  wide: true,
  params: [
    { p: 0.25, q: 2, label: 'α 0.25, γ 2 (defaults)' },
    { p: -1, q: 2, label: 'no α weighting' },
    { p: 0.5, q: 0, label: 'γ 0' },
    { p: 0.75, q: 1, label: 'γ 1' },
    { p: 0.25, q: 1.5, label: 'γ 1.5 (pow)' },
    { p: 1, q: 0.5, label: 'γ 0.5 (pow)' },
    { p: 0.25, q: 5, label: 'γ 5 (squaring)' },
    { p: 0.25, q: 3, label: 'γ 3' },
  ],
  value64: (x, t, _c, p, q) => focal(-1, x, t, 1, p, q),
  gradA64: (x, t, _c, p, q) => focal(0, x, t, 1, p, q),
  gradB64: (x, t, _c, p, q) => focal(1, x, t, 1, p, q),
  scaledGrad64: (which, x, t, _c, s, p, q) => focal(which, x, t, s, p, q),
  inputs: (n, _dtype, _params, rng) => logitInputs(n, rng),
};
