// Reference of assembly/elementwise/terms/sq_diff.ts (MSELoss): ℓ = (a − b)², ∂ℓ/∂a = d + d with d = a − b,
// ∂ℓ/∂b = d + d with d = b − a, in the input's precision. Interface: test/helpers/term-reference.ts.
import type { TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const f = Math.fround;

export const reference: TermReference = {
  term: 'sq_diff',
  operands: 2,
  wide: false,
  // Never negative: float32 sums take float32 blocks (assembly/elementwise/driver.ts).
  float32Blocks: true,
  // The term has no parameters: any p, q must leave it unchanged.
  params: [
    { p: 0, q: 0, label: 'p = q = 0' },
    { p: NaN, q: -3, label: 'ignored p = NaN, q = −3' },
  ],
  value64: (a, b) => {
    const d = a - b;
    return d * d;
  },
  gradA64: (a, b) => {
    const d = a - b;
    return d + d;
  },
  gradB64: (a, b) => {
    const d = b - a;
    return d + d;
  },
  value32: (a, b) => {
    const d = f(a - b);
    return f(d * d);
  },
  gradA32: (a, b) => {
    const d = f(a - b);
    return f(d + d);
  },
  gradB32: (a, b) => {
    const d = f(b - a);
    return f(d + d);
  },
  inputs(n, dtype, _params, rng) {
    const a = sprinkle(n, () => mixedValue(rng), [0, -0, 1.5, -0]);
    // Equal pairs (zero differences, with −0 − +0 = −0) at the specials of a.
    const b = sprinkle(n, () => mixedValue(rng), [0, 0, 1.5, -0]);
    // Squares that overflow (1e20² in float32, 1e200² in float64), NaN, ±Inf, subnormal differences.
    const big = dtype === 'f32' ? 1e20 : 1e200;
    const tiny = dtype === 'f32' ? 1e-45 : 5e-324;
    const ea = sprinkle(n, () => mixedValue(rng), [NaN, Infinity, -Infinity, big, tiny, 0, Infinity, 2]);
    const eb = sprinkle(n, () => mixedValue(rng), [1, 1, Infinity, -big, 0, NaN, -Infinity, Infinity]);
    return [
      { name: 'finite', a, b },
      { name: 'edge', a: ea, b: eb },
    ];
  },
};
