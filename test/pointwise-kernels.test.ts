// MSE / L1 / SmoothL1 kernels in the SIMD and the scalar build, at every length of DESIGN.md §4, against a
// float64 TypeScript reference, with 16-byte aligned and misaligned pointers.
import { describe, expect, it } from 'vitest';
import { BUILDS, LENGTHS, RawBuild, rng } from './helpers/builds.js';

type Term = (d: number) => number;
const BETA = 0.7;
const OPS: Array<{ name: string; sum: string; map: string; term: Term; extra: number[] }> = [
  { name: 'sq_diff', sum: 'sq_diff_sum', map: 'sq_diff', term: (d) => d * d, extra: [] },
  { name: 'abs_diff', sum: 'abs_diff_sum', map: 'abs_diff', term: (d) => Math.abs(d), extra: [] },
  {
    name: 'smooth_l1', sum: 'smooth_l1_sum', map: 'smooth_l1',
    term: (d) => (Math.abs(d) < BETA ? (d * d * (0.5 / BETA)) : Math.abs(d) - 0.5 * BETA), extra: [BETA],
  },
];

function inputs(n: number, seed: number, ctor: Float32ArrayConstructor | Float64ArrayConstructor) {
  const r = rng(seed);
  const a = new ctor(n);
  const b = new ctor(n);
  for (let i = 0; i < n; i++) {
    a[i] = (r() - 0.5) * 4;
    b[i] = (r() - 0.5) * 4;
  }
  return { a, b };
}

for (const build of BUILDS) {
  describe(`pointwise kernels, ${build} build`, () => {
    const w = new RawBuild(build);
    it(build === 'release' ? 'is compiled with SIMD' : 'is compiled without SIMD', () => {
      expect(w.k.simd_enabled()).toBe(build === 'release' ? 1 : 0);
    });
    for (const op of OPS) {
      for (const [dtype, ctor] of [['f32', Float32Array], ['f64', Float64Array]] as const) {
        // Misaligned by one element: facade pointers need not be 16-byte aligned.
        for (const misalign of [0, ctor.BYTES_PER_ELEMENT]) {
          it(`${op.name}_${dtype} matches the float64 reference at every length (misalign ${misalign})`, () => {
            for (const n of LENGTHS) {
              w.reset();
              const { a, b } = inputs(n, n + 1, ctor);
              const pa = w.put(a, misalign);
              const pb = w.put(b, misalign);
              let ref = 0;
              const refTerms = new Float64Array(n);
              for (let i = 0; i < n; i++) ref += refTerms[i] = op.term(a[i] - b[i]);
              const sum = w.k[`${op.sum}_${dtype}`](pa, pb, n, ...op.extra);
              // Both sum non-negative float64 terms, in different orders: each is within n·2⁻⁵² relative of the
              // exact sum (the recursive-summation bound), so they agree within twice that.
              expect(Math.abs(sum - ref)).toBeLessThanOrEqual(2 * n * 2 ** -52 * ref);
              const out = w.reserve(ctor as Float64ArrayConstructor, n, misalign);
              w.k[`${op.map}_${dtype}`](pa, pb, out, n, ...op.extra);
              const got = w.read(ctor as Float64ArrayConstructor, out, n);
              // Each element is computed in float64 and rounded once to the output dtype.
              const want = ctor === Float32Array ? Float32Array.from(refTerms) : refTerms;
              expect(Array.from(got)).toEqual(Array.from(want));
            }
          });
        }
      }
    }
    it('propagates NaN and Inf', () => {
      w.reset();
      const a = new Float32Array([1, NaN, 3, 4, Infinity, 6, 7, 8, 9]);
      const b = new Float32Array(9);
      const pa = w.put(a);
      const pb = w.put(b);
      expect(w.k.sq_diff_sum_f32(pa, pb, 9)).toBeNaN();
      expect(w.k.abs_diff_sum_f32(pa + 8, pb + 8, 7)).toBe(Infinity);
    });
  });
}
