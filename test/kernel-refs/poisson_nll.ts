// Reference of assembly/elementwise/terms/poisson_nll.ts's PoissonNll (PoissonNLLLoss, logInput false), a wide term
// with scaledGrad, rate x = a, target t = b, p = eps, q = full:
//   ℓ = x − t·log(x + eps) [+ S(t) where t > 1 or NaN]
//   ∂ℓ/∂x·s = s + ((−s)·t)/(x + eps);  ∂ℓ/∂t·s = [full: the Stirling branches] + (−s)·log(x + eps)
// log is the kernel's (test/helpers/math64.ts). Interface: test/helpers/term-reference.ts.
import { log64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { PARAMS, poissonInputs, stirling, stirlingGrad } from './poisson_nll_log.js';

export const reference: TermReference = {
  term: 'poisson_nll',
  operands: 2,
  wide: true,
  params: [...PARAMS, { p: 0, q: 0, label: 'eps = 0 (log 0 = −∞ at a zero rate)' }],
  value64: (x, t, _c, eps, full) => {
    const l = x - t * log64(x + eps);
    return full !== 0 ? l + stirling(t) : l;
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
