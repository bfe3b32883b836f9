// The accuracy claim of KLDiv's float32 values (assembly/elementwise/terms/kl_div.ts): every element within 2 ulp
// (float32) of the float64 formula t·log t − t·x, checked densely in both test builds against Math.log (not the
// kernel's own polynomials), on a grid that puts many elements on both sides of the per-element switch to the
// float64 fallback (|ℓ| ≥ 0.0011·t) and right at the cancellation x = log t. The truth is itself a float64
// evaluation: its own rounding, up to a few 2^-53 of the magnitudes that cancel, is added to the allowance.
// Bit-for-bit agreement with the reference, lanes against tails, is test/elementwise-kernels.test.ts's job.
import { describe, expect, it } from 'vitest';
import { BUILDS, RawBuild, rng } from './helpers/builds.js';
import { ulp32 } from './helpers/ulp.js';

const f = Math.fround;

for (const name of BUILDS) {
  describe(`float32 KLDiv values within 2 ulp of the float64 formula (${name} build)`, () => {
    const b = new RawBuild(name);

    it('kl_div: t·log t − t·x on a dense grid of targets, with x near log t (the cancellation)', () => {
      const r = rng(53);
      const n = 400_000;
      const x32 = new Float32Array(n);
      const t32 = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        // Targets over [1e-37, 1] (log-uniform) and some above 1; every 97th a zero.
        const t = i % 97 === 0 ? 0 : f(i % 5 === 0 ? 1 + r() * 1e3 : 10 ** (-37 * r() ** 2));
        const L = t > 0 ? Math.log(t) : 0;
        // Half near the cancellation (x = log t + δ, |δ| up to 0.01, densest at 0), half log-probabilities.
        t32[i] = t;
        x32[i] = i % 2 === 0 ? f(L + (r() - 0.5) * 0.02 * r() ** 3) : f(-r() * 8);
      }
      b.reset();
      const px = b.put(x32);
      const pt = b.put(t32);
      const out = b.reserve(Float32Array, n);
      b.k.kl_div_map_f32(px, pt, 0, 0, out, n, 0, 0);
      const got = b.read(Float32Array, out, n);
      let worst = 0,
        at = '',
        fast = 0;
      for (let i = 0; i < n; i++) {
        const x = x32[i],
          t = t32[i];
        const tl = t === 0 ? 0 : t * Math.log(t);
        const truth = tl - t * x;
        const slack = 4 * 2 ** -53 * (Math.abs(tl) + Math.abs(t * x));
        const err = Math.max(0, Math.abs(got[i] - truth) - slack) / ulp32(truth);
        if (!(err <= worst)) {
          worst = Number.isNaN(err) ? Infinity : err;
          at = `x ${x}, t ${t}: got ${got[i]}, truth ${truth}`;
        }
        if (Math.abs(truth) >= 0.0011 * t) fast++;
      }
      expect(worst, at).toBeLessThanOrEqual(2);
      expect(fast).toBeGreaterThan(n / 2);
      expect(fast).toBeLessThan(n - 10_000); // many elements at the cancellation fall back
    });
  });
}
