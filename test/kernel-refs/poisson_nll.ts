// Reference of assembly/elementwise/terms/poisson_nll.ts's PoissonNll (PoissonNLLLoss, logInput false), a wide term
// with scaledGrad, rate x = a, target t = b, p = eps, q = full:
//   ℓ = x − t·log(x + eps) [+ S(t) where t > 1 or NaN]
//   ∂ℓ/∂x·s = s + ((−s)·t)/(x + eps);  ∂ℓ/∂t·s = [full: the Stirling branches] + (−s)·log(x + eps)
// log is the kernel's (test/helpers/math64.ts). float32 values (narrowValue, eps as given): for u = x + eps with
// u32 = fl32(u) a positive normal float32 and t finite, L = (the tighter split log of u32) + (u − u32)·fl32(1/u32)
// and x − t·L [+ S(t)] in float64, where |ℓ| ≥ 0.06·|t| + 2^-26·|x|; elsewhere the float64 value; rounded once.
// Interface: test/helpers/term-reference.ts.
import { logSplitHf32 } from '../helpers/math32.js';
import { log64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { PARAMS, poissonInputs, stirling, stirlingGrad } from './poisson_nll_log.js';

function value64(x: number, t: number, _c: number, eps: number, full: number): number {
  const l = x - t * log64(x + eps);
  return full !== 0 ? l + stirling(t) : l;
}

export const reference: TermReference = {
  term: 'poisson_nll',
  operands: 2,
  wide: true,
  params: [...PARAMS, { p: 0, q: 0, label: 'eps = 0 (log 0 = −∞ at a zero rate)' }],
  value64,
  value32: (x, t, _c, eps, full) => {
    const U = x + eps;
    const u = Math.fround(U);
    if (u >= 2 ** -126 && u <= 3.4028234663852886e38 && Math.abs(t) <= 3.4028234663852886e38) {
      const L = logSplitHf32(u) + (U - u) * Math.fround(1 / u);
      const l = x - t * L;
      const lf = full !== 0 ? l + stirling(t) : l;
      if (Math.abs(lf) >= Math.abs(t) * 0.06 + Math.abs(x) * 2 ** -26) return Math.fround(lf);
    }
    return Math.fround(value64(x, t, 0, eps, full));
  },
  gradA64: (x, t, _c, eps) => 1 - t / (x + eps),
  gradB64: (x, t, _c, eps, full) => (full !== 0 ? stirlingGrad(t, 1) : 0) - log64(x + eps),
  scaledGrad64: (which, x, t, _c, s, eps, full) => {
    if (which === 0) return s + (-s * t) / (x + eps);
    if (which === 1) {
      const own = -s * log64(x + eps);
      return full !== 0 ? stirlingGrad(t, s) + own : own;
    }
    return 0;
  },
  inputs: (n, _dtype, _params, rng) => poissonInputs(n, rng, true),
};
