// Reference of assembly/elementwise/terms/bce_logits.ts's BceLogitsPw (BCEWithLogitsLoss with pos_weight w⁺ = c), a
// wide term: with m = max(−x, 0), L = log(e^(−m) + e^((−x) − m)) and lw = (w⁺ − 1)·t + 1,
//   ℓ = (1 − t)·x + lw·(L + m);  ∂ℓ/∂x = ((w⁺·t + 1) − t)·σ(x) − w⁺·t;  ∂ℓ/∂t = logσ(−x) − logσ(x)·w⁺
// with logσ(v) = (v < 0 ? v : 0) − log1p(e^−|v|). No gradient for pos_weight. Interface: term-reference.ts.
import { exp64, log1p64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { lse, logitInputs, mOf, sigmoid } from './bce_logits.js';

const logSigmoid = (v: number): number => (v < 0 ? v : 0) - log1p64(exp64(-Math.abs(v)));

export const reference: TermReference = {
  term: 'bce_logits_pw',
  operands: 3,
  wide: true,
  params: [{ p: 0, q: 0, label: 'no parameters' }],
  value64: (x, t, pw) => {
    const m = mOf(x);
    const lw = (pw - 1) * t + 1;
    return (1 - t) * x + lw * (lse(x, m) + m);
  },
  gradA64: (x, t, pw) => {
    const wt = pw * t;
    return (wt + 1 - t) * sigmoid(x) - wt;
  },
  gradB64: (x, _t, pw) => logSigmoid(-x) - logSigmoid(x) * pw,
  // pos_weight: 1 (the plain loss), positive, 0, negative, fractional; constant along runs as a class vector is.
  inputs: (n, _dtype, _params, rng) => logitInputs(n, rng, (i) => [1, 3, 0, -2, 0.25, 10][(i >> 2) % 6]),
};
