// assembly/bce.ts in both builds, at every length of DESIGN.md §4, against a float64 TypeScript reference built
// on Math.log: sums, weighted sums, maps, and the fused [0, 1] check of the input.
import { describe, expect, it } from 'vitest';
import { BUILDS, LENGTHS, RawBuild, rng } from './helpers/builds.js';

type Float = Float32Array | Float64Array;
// Both element types go through RawBuild's generic helpers, which need one constructor type: the f32 case is
// typed as Float64Array's constructor, while its runtime arrays are Float32Arrays (only numbers are read back).
type FloatCtor = Float64ArrayConstructor;

/** PyTorch 1.13's term, in float64: (y − 1)·max(log(1 − x), −100) − y·max(log x, −100). */
function term(x: number, y: number): number {
  return (y - 1) * Math.max(Math.log(1 - x), -100) - y * Math.max(Math.log(x), -100);
}

/** Inputs in [0, 1] with exact 0s and 1s and tiny values mixed in, targets in [0, 1], weights in [0, 3). */
function operands(ctor: FloatCtor, n: number, seed: number): { x: Float; y: Float; w: Float } {
  const r = rng(seed);
  const x = new ctor(n), y = new ctor(n), w = new ctor(n);
  for (let i = 0; i < n; i++) {
    const k = i % 7;
    x[i] = k === 0 ? 0 : k === 1 ? 1 : k === 2 ? r() * 1e-9 : k === 3 ? 1 - r() * 1e-6 : r();
    y[i] = i % 3 === 0 ? Math.round(r()) : r();
    w[i] = r() * 3;
  }
  return { x, y, w };
}

function reference(x: Float, y: Float, w?: Float): Float64Array {
  return Float64Array.from(x, (xi, i) => term(xi, y[i]) * (w ? w[i] : 1));
}

const DTYPES = [
  { dtype: 'f32', ctor: Float32Array as unknown as FloatCtor },
  { dtype: 'f64', ctor: Float64Array as FloatCtor },
] as const;

describe.each(BUILDS)('bce kernels, %s build', (name) => {
  const b = new RawBuild(name);

  describe.each(DTYPES)('$dtype', ({ dtype, ctor }) => {
    const sum = `bce_sum_${dtype}`, wsum = `bce_weighted_sum_${dtype}`;
    const map = `bce_${dtype}`, wmap = `bce_weighted_${dtype}`;

    it.each(LENGTHS)('sums match the float64 reference at n = %i', (n) => {
      const { x, y, w } = operands(ctor, n, 1000 + n);
      const ref = reference(x, y), wref = reference(x, y, w);
      const want = ref.reduce((a, v) => a + v, 0), wwant = wref.reduce((a, v) => a + v, 0);
      b.reset();
      // Misaligned by one element: kernels must not assume 16-byte alignment.
      const px = b.put(x, ctor.BYTES_PER_ELEMENT), py = b.put(y), pw = b.put(w, ctor.BYTES_PER_ELEMENT);
      const got = b.k[sum](px, py, n);
      expect(b.k.bce_invalid_index()).toBe(-1);
      const wgot = b.k[wsum](px, py, pw, n);
      expect(b.k.bce_invalid_index()).toBe(-1);
      // Terms are positive (targets in [0, 1]), so only summation order separates the kernel from the reference.
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-13 * want);
      expect(Math.abs(wgot - wwant)).toBeLessThanOrEqual(1e-13 * wwant);
      if (n === 0) expect([got, wgot]).toEqual([0, 0]);
    });

    it.each(LENGTHS)('maps give each term rounded once at n = %i', (n) => {
      const { x, y, w } = operands(ctor, n, 2000 + n);
      for (const weighted of [false, true]) {
        const ref = reference(x, y, weighted ? w : undefined);
        b.reset();
        const px = b.put(x), py = b.put(y), pw = b.put(w);
        const out = b.reserve(ctor, n, ctor.BYTES_PER_ELEMENT);
        if (weighted) b.k[wmap](px, py, pw, out, n);
        else b.k[map](px, py, out, n);
        expect(b.k.bce_invalid_index()).toBe(-1);
        const got = b.read(ctor, out, n);
        // float64: within a few ulp of the reference (both logs < 1 ulp); float32: the float64 term rounded once,
        // so at most half a float32 ulp from it (plus the float64 error, far below that).
        const tol = dtype === 'f64' ? 1e-15 : 2 ** -24 * (1 + 1e-9);
        let worst = 0;
        for (let i = 0; i < n; i++) {
          const err = Math.abs(got[i] - ref[i]) / Math.max(Math.abs(ref[i]), 1e-300);
          worst = Math.max(worst, err);
        }
        expect(worst).toBeLessThanOrEqual(tol);
      }
    });

    it('clamps both logs at −100 and keeps PyTorch\'s signed zeros', () => {
      // x = 0/1 with y = 0/1, and y = 0.5 at x = 0: 0.5·100 (the clamp, not +∞).
      const x = ctor.from([0, 1, 0, 1, 0, 1, 0, 1, 0]), y = ctor.from([0, 1, 1, 0, 0.5, 0.5, 0, 1, 1]);
      const n = x.length;
      b.reset();
      const px = b.put(x), py = b.put(y), out = b.reserve(ctor, n);
      b.k[map](px, py, out, n);
      const got = Array.from(b.read(ctor, out, n));
      expect(got).toEqual([0, -0, 100, 100, 50, 50, 0, -0, 100]);
      expect(b.k[sum](px, py, n)).toBe(400);
    });

    it('propagates NaN and ±∞ targets without refusing them', () => {
      const x = ctor.from([0.5, 0.5, 0.25, 0.5, 0.5]), y = ctor.from([NaN, Infinity, 2, -1, 0]);
      b.reset();
      const px = b.put(x), py = b.put(y), out = b.reserve(ctor, 5);
      b.k[map](px, py, out, 5);
      expect(b.k.bce_invalid_index()).toBe(-1);
      const got = b.read(ctor, out, 5);
      const want = reference(x, y);
      for (let i = 0; i < 5; i++) {
        if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
        else expect(got[i]).toBeCloseTo(want[i], 6);
      }
    });

    // Positions in the first SIMD block, later blocks, and the scalar tail; NaN, just outside, and far outside.
    const BAD = [
      { n: 17, at: 0, value: 1.5 }, { n: 17, at: 5, value: NaN }, { n: 17, at: 16, value: -1e-30 },
      { n: 1000, at: 998, value: Infinity }, { n: 33, at: 30, value: -Infinity }, { n: 3, at: 2, value: 2 },
    ];
    it.each(BAD)('reports the first input outside [0, 1]: $value at $at of $n', ({ n, at, value }) => {
      const { x, y, w } = operands(ctor, n, 3000 + at);
      x[at] = value;
      if (at + 2 < n) x[at + 2] = 7; // a later bad value must not override the first
      b.reset();
      const px = b.put(x), py = b.put(y), pw = b.put(w), out = b.reserve(ctor, n);
      b.k[sum](px, py, n);
      expect(b.k.bce_invalid_index()).toBe(at);
      b.k[wsum](px, py, pw, n);
      expect(b.k.bce_invalid_index()).toBe(at);
      b.k[map](px, py, out, n);
      expect(b.k.bce_invalid_index()).toBe(at);
      // out aliasing x: the index is still the input's, found before the store overwrote it.
      b.k[wmap](px, py, pw, px, n);
      expect(b.k.bce_invalid_index()).toBe(at);
      // The flag is per call: a valid call right after reads −1.
      b.k[sum](py, py, 0);
      expect(b.k.bce_invalid_index()).toBe(-1);
    });

    // Hard targets (every y exactly +0 or 1) take the one-log path in the SIMD build; PyTorch's formula still
    // holds term by term, signed zeros included (x = 1, y = 1 gives −0; x = 0, y = 0 gives +0).
    it.each(LENGTHS)('hard 0/1 targets match the float64 reference at n = %i', (n) => {
      const { x, w } = operands(ctor, n, 4000 + n);
      const r = rng(5000 + n);
      const y = new ctor(n).map(() => (r() < 0.5 ? 0 : 1));
      for (let i = 0; i < n; i += 5) x[i] = y[i] === 1 ? 1 : 0; // the zero-loss corner, with its sign
      for (let i = 3; i < n; i += 11) x[i] = y[i] === 1 ? 0 : 1; // the clamped corner: 100
      const ref = reference(x, y), wref = reference(x, y, w);
      b.reset();
      const px = b.put(x), py = b.put(y), pw = b.put(w), out = b.reserve(ctor, n);
      const want = ref.reduce((a, v) => a + v, 0), wwant = wref.reduce((a, v) => a + v, 0);
      expect(Math.abs(b.k[sum](px, py, n) - want)).toBeLessThanOrEqual(1e-13 * want);
      expect(Math.abs(b.k[wsum](px, py, pw, n) - wwant)).toBeLessThanOrEqual(1e-13 * wwant);
      b.k[map](px, py, out, n);
      expect(b.k.bce_invalid_index()).toBe(-1);
      const got = b.read(ctor, out, n);
      const tol = dtype === 'f64' ? 1e-15 : 2 ** -24 * (1 + 1e-9);
      const wrongZeros: string[] = [];
      let worst = 0;
      for (let i = 0; i < n; i++) {
        if (ref[i] !== 0) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / ref[i]);
        else if (!Object.is(got[i], ref[i])) wrongZeros.push(`term ${i}: x = ${x[i]}, y = ${y[i]}, got ${got[i]}`);
      }
      expect(wrongZeros).toEqual([]);
      expect(worst).toBeLessThanOrEqual(tol);
    });

    it('keeps the signed zeros of −0 inputs and −0 targets, in vectors of hard targets and mixed ones', () => {
      // One block of four hard targets, one with a −0 target (not hard: PyTorch's formula gives −0 at x = 0).
      const x = ctor.from([-0, 1, 0, -0, 0, 1, -0, 0.5]), y = ctor.from([0, 1, 0, 0, -0, 1, 0, 1]);
      const want = reference(x, y);
      b.reset();
      const px = b.put(x), py = b.put(y), out = b.reserve(ctor, 8);
      b.k[map](px, py, out, 8);
      const got = Array.from(b.read(ctor, out, 8));
      // The first seven terms are all zeros: +0, −0, +0, +0, −0 (the −0 target), −0, +0.
      for (let i = 0; i < 7; i++) expect(Object.is(got[i], want[i]), `term ${i}`).toBe(true);
      expect(Object.is(got[4], -0)).toBe(true);
      expect(got[7]).toBeCloseTo(Math.LN2, 6);
    });

    it('accepts −0 as an input (−0 ≥ 0, as in PyTorch)', () => {
      b.reset();
      const px = b.put(ctor.from([-0, 0.5, -0, -0, -0])), py = b.put(ctor.from([1, 1, 0, 0, 0]));
      expect(b.k[sum](px, py, 5)).toBeCloseTo(100 + Math.LN2, 12);
      expect(b.k.bce_invalid_index()).toBe(-1);
    });
  });
});

describe('bce kernels, builds agree', () => {
  // Hard targets: the SIMD build's one-log path against the scalar build, which always takes both logs.
  it.each(DTYPES.flatMap((d) => [{ ...d, targets: 'mixed' }, { ...d, targets: 'hard' }]))(
    'the SIMD and scalar builds give the same terms bit for bit ($dtype, $targets targets)', ({ dtype, ctor, targets }) => {
    const [simd, scalar] = BUILDS.map((n) => new RawBuild(n));
    const n = 4099;
    const { x, y, w } = operands(ctor, n, 77);
    if (targets === 'hard') for (let i = 0; i < n; i++) y[i] = (i * 7) % 3 === 0 ? 1 : 0;
    const run = (b: RawBuild): Float => {
      b.reset();
      const px = b.put(x), py = b.put(y), pw = b.put(w), out = b.reserve(ctor, n);
      b.k[`bce_weighted_${dtype}`](px, py, pw, out, n);
      return b.read(ctor, out, n);
    };
    // Compared as bytes, so a +0 against a −0 counts as a difference.
    expect(new Uint8Array(run(simd).buffer)).toEqual(new Uint8Array(run(scalar).buffer));
  });
});
