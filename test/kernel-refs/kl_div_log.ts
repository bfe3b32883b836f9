// Reference of assembly/elementwise/terms/kl_div.ts's KLDivLog (KLDivLoss with logTarget), a wide term with
// scaledGrad: ℓ = e^t·(t − x); ∂ℓ/∂x·s = −(s·e^t); ∂ℓ/∂t·s = (s·(t − x))·e^t + s·e^t. exp is the kernel's
// (test/helpers/math64.ts). Interface: test/helpers/term-reference.ts.
import { exp64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { klInputs } from './kl_div.js';

export const reference: TermReference = {
  term: 'kl_div_log',
  operands: 2,
  wide: true,
  params: [{ p: 0, q: 0, label: 'no parameters' }],
  value64: (x, t) => exp64(t) * (t - x),
  gradA64: (_x, t) => -exp64(t),
  gradB64: (x, t) => (t - x) * exp64(t) + exp64(t),
  scaledGrad64: (which, x, t, _c, s) => {
    const e = exp64(t);
    if (which === 0) return -(s * e);
    if (which === 1) return s * (t - x) * e + s * e;
    return 0;
  },
  inputs: (n, _dtype, _params, rng) => klInputs(n, rng, true),
};
