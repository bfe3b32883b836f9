// Reference of assembly/elementwise/terms/kl_div.ts's KLDiv (KLDivLoss), a wide term with scaledGrad, input x = a,
// target t = b: ℓ = xlogy(t, t) − t·x with xlogy(t, t) = t == 0 ? 0 : t·log t;
//   ∂ℓ/∂x·s = (−s)·t;  ∂ℓ/∂t·s = (s·(t == 0 ? 0 : log t) + (s·t)/t) + (−s)·x
// log is the kernel's (test/helpers/math64.ts). float32 values (narrowValue): l = float32(t·(L − x)) with L the
// float64-s split log (test/helpers/math32.ts), used (as l + 0) where t = ±0 or t is positive normal and
// |l| ≥ float32(0.0011·t); elsewhere the float64 value rounded once. Interface: test/helpers/term-reference.ts.
import { logSplitDiv32 } from '../helpers/math32.js';
import { log64 } from '../helpers/math64.js';
import type { TermInputs, TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

/** Log-probabilities and probabilities, xlogy's edges (t = ±0, t < 0, x = −∞), and non-finite values. */
export function klInputs(n: number, rng: () => number, logTarget: boolean): TermInputs[] {
  const x = sprinkle(n, () => -rng() * 6, [0, -0, -1, 1, -Infinity, 2, -1e-300]);
  const t = logTarget
    ? sprinkle(n, () => -rng() * 6, [0, -1, -Infinity, 0, -Infinity, 1, -100])
    : sprinkle(n, () => rng(), [0, -0, 1, 1, 0, 0.5, 1e-300, -0.5, 2]);
  const ex = sprinkle(n, () => mixedValue(rng), [NaN, 1, Infinity, -Infinity, 0, 3]);
  const et = sprinkle(n, () => (logTarget ? mixedValue(rng) : rng()), [0.5, NaN, 0.5, 1, Infinity, -Infinity]);
  const sets: TermInputs[] = [
    { name: 'finite', a: x, b: t },
    { name: 'edge', a: ex, b: et },
  ];
  if (!logTarget) {
    // The cancelling band: x within ±0.003 of log t, on both sides of the float32 value's fast-path test
    // (|ℓ| ≥ 0.0011·t), so the lanes' selection and the scalar twin's are compared element by element.
    const bt = Array.from({ length: n }, () => rng() * 0.999 + 1e-3);
    const bx = bt.map((v) => Math.fround(Math.log(Math.fround(v)) + (rng() - 0.5) * 0.006));
    sets.push({ name: 'band', a: bx, b: bt });
  }
  return sets;
}

export const reference: TermReference = {
  term: 'kl_div',
  operands: 2,
  wide: true,
  params: [{ p: 0, q: 0, label: 'no parameters' }],
  value64: (x, t) => (t === 0 ? 0 : t * log64(t)) - t * x,
  value32: (x, t) => {
    const MAX = 3.4028234663852886e38;
    if (t === 0 || (t >= 2 ** -126 && t <= MAX)) {
      // For t = ±0 the kernel's L is finite (its reduction of the bits 0): t·(L − x) is ±0, or NaN for x = ±∞.
      const L = t === 0 ? 0 : logSplitDiv32(t);
      const l = Math.fround(t * (L - x));
      if (Math.abs(l) >= Math.fround(Math.fround(0.0011) * t)) return Math.fround(l + 0);
    }
    return Math.fround((t === 0 ? 0 : t * log64(t)) - t * x);
  },
  gradA64: (_x, t) => -t,
  gradB64: (x, t) => (t === 0 ? 0 : log64(t)) + t / t - x,
  scaledGrad64: (which, x, t, _c, s) => {
    if (which === 0) return -s * t;
    if (which === 1) return s * (t === 0 ? 0 : log64(t)) + (s * t) / t + -s * x;
    return 0;
  },
  inputs: (n, _dtype, _params, rng) => klInputs(n, rng, false),
};
