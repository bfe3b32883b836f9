// Reference of assembly/elementwise/terms/gaussian_nll.ts (GaussianNLLLoss), a wide three-operand term with
// scaledGrad, input x = a, target t = b, var v = c, p = eps, q = full: v' = v < eps ? eps : v, d = x − t,
//   ℓ = 0.5·(log v' + (d·d)/v') [+ 0.5·log(2π)];  h = s·0.5
//   ∂ℓ/∂x·s = (h/v')·(2·d);  ∂ℓ/∂t·s = −((h/v')·(2·d));  ∂ℓ/∂v·s = h/v' + (−h)·(((d·d)/v')/v')
// log is the kernel's (test/helpers/math64.ts). float32 values (narrowValue, eps as given): for v > eps a positive
// normal float32, 0.5·(L + (d·d)/v) [+ 0.5·log(2π)] in float64 with L the tighter split float32 log
// (test/helpers/math32.ts), where |ℓ| ≥ 0.03; elsewhere the float64 value; rounded once. Interface:
// test/helpers/term-reference.ts.
import { logSplitHf32 } from '../helpers/math32.js';
import { log64 } from '../helpers/math64.js';
import type { TermReference } from '../helpers/term-reference.js';
import { mixedValue, sprinkle } from '../helpers/term-reference.js';

const HALF_LOG_2PI = 0.5 * 1.8378770664093453;
const clamp = (v: number, eps: number): number => (v < eps ? eps : v);

function value64(x: number, t: number, v: number, eps: number, full: number): number {
  const V = clamp(v, eps);
  const d = x - t;
  const l = 0.5 * (log64(V) + (d * d) / V);
  return full !== 0 ? l + HALF_LOG_2PI : l;
}

export const reference: TermReference = {
  term: 'gaussian_nll',
  operands: 3,
  wide: true,
  params: [
    { p: 1e-6, q: 0, label: 'eps = 1e-6, full = false' },
    { p: 1e-6, q: 1, label: 'eps = 1e-6, full = true' },
    { p: 0.25, q: 0, label: 'eps = 0.25 (clamps often)' },
    { p: 0, q: 0, label: 'eps = 0 (a zero var gives log 0 + d²/0)' },
  ],
  value64,
  certifiedSum: true,
  value32: (x, t, v, eps, full) => {
    if (v >= 2 ** -126 && v <= 3.4028234663852886e38 && v > eps) {
      const d = x - t;
      const l = 0.5 * (logSplitHf32(v) + (d * d) / v);
      const lf = full !== 0 ? l + HALF_LOG_2PI : l;
      if (Math.abs(lf) >= 0.03) return Math.fround(lf);
    }
    return Math.fround(value64(x, t, v, eps, full));
  },
  gradA64: (x, t, v, eps) => (0.5 / clamp(v, eps)) * (2 * (x - t)),
  gradB64: (x, t, v, eps) => -((0.5 / clamp(v, eps)) * (2 * (x - t))),
  gradC64: (x, t, v, eps) => {
    const V = clamp(v, eps),
      d = x - t;
    return 0.5 / V - 0.5 * ((d * d) / V / V);
  },
  scaledGrad64: (which, x, t, v, s, eps) => {
    const V = clamp(v, eps),
      d = x - t,
      h = s * 0.5;
    if (which === 0) return (h / V) * (2 * d);
    if (which === 1) return -((h / V) * (2 * d));
    return h / V + -h * ((d * d) / V / V);
  },
  inputs(n, _dtype, _params, rng) {
    const x = sprinkle(n, () => mixedValue(rng), [0, -0, 1, 2]);
    const t = sprinkle(n, () => mixedValue(rng), [0, 0, 1, -1]);
    // Variances: positive, clamped (0, tiny, just below and at eps), large.
    const v = sprinkle(n, () => rng() * 3 + 0.01, [0, 1e-9, 1e-7, 1e-6, 0.25, 0.2, 1e30, -0]);
    const ex = sprinkle(n, () => mixedValue(rng), [NaN, 1, Infinity, 0, 1, 2]);
    const et = sprinkle(n, () => mixedValue(rng), [0, NaN, 1, Infinity, 1, 2]);
    const ev = sprinkle(n, () => rng() * 3, [1, 1, 1, 1, NaN, Infinity]);
    // float32 values: the quadratic next to −log v (|ℓ| below, near and above 0.03: the float64 fallback and the
    // float32 lanes around it), v just above and below eps, v beyond 2^126.
    const cx: number[] = [];
    const ct: number[] = [];
    const cv: number[] = [];
    for (let i = 0; i < n; i++) {
      const vi = Math.fround(0.01 + rng() * 0.98);
      const rel = [0, 0.01, 0.05, 0.2][i % 4] * (rng() - 0.5);
      const xi = Math.fround((rng() - 0.5) * 4);
      cx.push(xi);
      ct.push(xi - Math.sqrt(-vi * Math.log(vi) * (1 + rel)));
      cv.push(i % 7 === 3 ? [1e-6, 1.0000001e-6, 0.9999999e-6, 2 ** 127, 0.25, 0.2500001][i % 6] : vi);
    }
    return [
      { name: 'finite', a: x, b: t, c: v },
      { name: 'edge', a: ex, b: et, c: ev },
      { name: 'cancelling', a: cx, b: ct, c: cv },
    ];
  },
};
