// Reference of assembly/elementwise/terms/bce_logits.ts (BCEWithLogitsLoss without pos_weight), a wide term, for
// logits x = a and targets t = b, m = max(−x, 0) as `(−x) < 0 ? 0 : −x`:
//   ℓ = ((1 − t)·x + m) + log(e^(−m) + e^((−x) − m));  ∂ℓ/∂x = 1/(1 + e^−x) − t;  ∂ℓ/∂t = −x
// exp and log are the kernel's (test/helpers/math64.ts). float32 values (narrowValue): for t ∈ [0, 1] and
// |x| ≤ 87.33, ((1 − t)·x + m) in float64 plus the float32 softplus tail log1p(e^(−|x|)) (test/helpers/math32.ts),
// rounded once; elsewhere the float64 value rounded once. Interface: test/helpers/term-reference.ts.
import { softplusTail32 } from '../helpers/math32.js';
import { exp64, log64 } from '../helpers/math64.js';
import type { TermReference, TermInputs } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

export const mOf = (x: number): number => {
  const nx = -x;
  return nx < 0 ? 0 : nx;
};
export const lse = (x: number, m: number): number => log64(exp64(-m) + exp64(-x - m));
export const sigmoid = (x: number): number => 1 / (1 + exp64(-x));

/** Logits of every size (huge ones stay finite), targets in and outside [0, 1]; the edge vector's non-finite values. */
export function logitInputs(n: number, rng: () => number, c?: (i: number) => number): TermInputs[] {
  const x = sprinkle(n, () => mixedValue(rng) * 4, [0, -0, 17, -17, 40, -40, 1e4, -1e4, 1e30, -1e30, 3e38, -3e38]);
  const t = sprinkle(
    n,
    (i) => (i % 4 === 0 ? Math.round(rng()) : rng()),
    [0, 1, 0.5, -0.5, 1.5, 0, 1, 2, -0, 0.25, 1, 0],
  );
  const ex = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, 1, 2, Infinity]);
  const et = sprinkle(n, () => rng(), [0.5, 1, 0, NaN, Infinity, -Infinity]);
  const cs = c ? Array.from({ length: n }, (_, i) => c(i)) : undefined;
  return [
    { name: 'finite', a: x, b: t, c: cs },
    { name: 'edge', a: ex, b: et, c: cs },
  ];
}

export const reference: TermReference = {
  term: 'bce_logits',
  operands: 2,
  wide: true,
  params: [{ p: 0, q: 0, label: 'no parameters' }],
  value64: (x, t) => {
    const m = mOf(x);
    return (1 - t) * x + m + lse(x, m);
  },
  value32: (x, t) => {
    const m = mOf(x);
    if (t >= 0 && t <= 1 && Math.abs(x) <= Math.fround(87.33654))
      return Math.fround((1 - t) * x + m + softplusTail32(x));
    return Math.fround((1 - t) * x + m + lse(x, m));
  },
  gradA64: (x, t) => sigmoid(x) - t,
  gradB64: (x) => -x,
  inputs: (n, _dtype, _params, rng) => logitInputs(n, rng),
};
