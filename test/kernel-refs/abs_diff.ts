// Reference of assembly/elementwise/terms/abs_diff.ts (L1Loss): ℓ = |a − b|, ∂ℓ/∂a = sgn(a − b),
// ∂ℓ/∂b = −sgn(a − b), with sgn(±0) = sgn(NaN) = +0 (so ∂ℓ/∂b is −0 there), in the input's precision.
// Interface: test/helpers/term-reference.ts.
import type { TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;

/** torch's sgn of a real number: 1, −1, or +0 for ±0 and NaN. */
function sgn(d: number): number {
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

export const reference: TermReference = {
  term: 'abs_diff',
  operands: 2,
  wide: false,
  // Never negative: float32 sums take float32 blocks (assembly/elementwise/driver.ts).
  float32Blocks: true,
  params: [
    { p: 0, q: 0, label: 'p = q = 0' },
    { p: 7, q: NaN, label: 'ignored p = 7, q = NaN' },
  ],
  value64: (a, b) => Math.abs(a - b),
  gradA64: (a, b) => sgn(a - b),
  gradB64: (a, b) => -sgn(a - b),
  value32: (a, b) => Math.abs(f(a - b)),
  gradA32: (a, b) => sgn(f(a - b)),
  gradB32: (a, b) => -sgn(f(a - b)),
  inputs(n, dtype, _params, rng) {
    // Ties (a == b: gradient ±0), −0 against +0, and differences that round to zero in float32 only.
    const a = sprinkle(n, () => mixedValue(rng), [0, -0, 2.25, 1 + 2 ** -30]);
    const b = sprinkle(n, () => mixedValue(rng), [-0, 0, 2.25, 1]);
    const big = dtype === 'f32' ? 3e38 : 1.7e308;
    const ea = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, big, Infinity, 0, NaN]);
    const eb = sprinkle(n, () => mixedValue(rng), [0, Infinity, 1, -big, -Infinity, NaN, NaN]);
    return [
      { name: 'finite', a, b },
      { name: 'edge', a: ea, b: eb },
    ];
  },
};
