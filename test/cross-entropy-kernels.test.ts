// The ce_* and narrow_i64_i32 kernels of assembly/cross_entropy.ts, raw, in the SIMD and the scalar build, against
// a float64 TypeScript reference written from PyTorch's definition (log-softmax, then nll / smoothing / soft
// targets), at class and position counts that cover every SIMD tail.
import { describe, expect, it } from 'vitest';
import { ulp32 } from './helpers/ulp.js';
import { BUILDS, LENGTHS, RawBuild, rng } from './helpers/builds.js';

const HAS_WEIGHT = 1;
const WRITE_OUT = 2;

type Floats = Float32Array | Float64Array;

interface Ref {
  loss: number;
  smooth: number;
  weight: number;
  out: number[];
}

/** log_softmax of one position's C logits (float64, from the definition). */
function logSoftmax(xs: number[]): number[] {
  const m = xs.reduce((a, v) => Math.max(a, v), -Infinity);
  const ls = Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
  return xs.map((x) => x - m - ls);
}

/** Logits of position (o, j) of x [outer, C, inner]. */
function column(x: Floats, o: number, j: number, C: number, inner: number): number[] {
  return Array.from({ length: C }, (_, c) => x[(o * C + c) * inner + j]);
}

/** PyTorch's cross_entropy with class indices, per position and summed (positions o·span + j, j < span). */
function refIndex(x: Floats, t: Int32Array, w: Floats | null, outer: number, C: number, inner: number, span: number,
  ignore: number, eps: number): Ref {
  const r: Ref = { loss: 0, smooth: 0, weight: 0, out: [] };
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < span; j++) {
      const ti = t[o * span + j];
      if (ti === ignore) {
        r.out.push(0);
        continue;
      }
      const lp = logSoftmax(column(x, o, j, C, inner));
      const wt = w ? w[ti] : 1;
      const nll = -lp[ti] * wt;
      const smooth = -lp.reduce((a, v, c) => a + v * (w ? w[c] : 1), 0);
      r.loss += nll;
      r.weight += wt;
      r.smooth += smooth;
      r.out.push(eps > 0 ? (1 - eps) * nll + (eps / C) * smooth : nll);
    }
  }
  if (eps <= 0) r.smooth = 0;
  return r;
}

/** PyTorch's cross_entropy with class probabilities q (x's layout), smoothed by eps. */
function refProb(x: Floats, q: Floats, w: Floats | null, outer: number, C: number, inner: number, eps: number): Ref {
  const r: Ref = { loss: 0, smooth: 0, weight: 0, out: [] };
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const lp = logSoftmax(column(x, o, j, C, inner));
      const p = column(q, o, j, C, inner).map((v) => v * (1 - eps) + eps / C);
      const l = -lp.reduce((a, v, c) => a + v * p[c] * (w ? w[c] : 1), 0);
      r.loss += l;
      r.out.push(l);
    }
  }
  return r;
}

/** |a − b| within `rel` of the larger magnitude (plus a tiny floor); NaN only matches NaN. */
function close(a: number, b: number, rel: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
}

/**
 * Checks sums and per-position losses against the reference: float64 values to 1e-12 relative, widened for sums
 * of many terms by n·2^-52 (both sides sum n positive terms in a different order), float32 outputs within 1 ulp.
 */
function expectMatches(got: Ref, want: Ref, f32: boolean, what: string, terms = 0): void {
  const rel = 1e-12 + terms * 2 ** -52;
  for (const key of ['loss', 'smooth', 'weight'] as const) {
    if (!close(got[key], want[key], rel)) expect.fail(`${what}: ${key} ${got[key]}, reference ${want[key]}`);
  }
  expect(got.out.length, what).toBe(want.out.length);
  for (let i = 0; i < want.out.length; i++) {
    const ok = f32 ? Math.abs(got.out[i] - want.out[i]) <= ulp32(want.out[i]) : close(got.out[i], want.out[i], 1e-12);
    if (!ok) expect.fail(`${what}: out[${i}] ${got.out[i]}, reference ${want.out[i]}`);
  }
}

function randomFloats(ctor: typeof Float32Array | typeof Float64Array, n: number, r: () => number, scale: number): Floats {
  return (ctor as typeof Float64Array).from({ length: n }, () => (r() - 0.5) * scale);
}

/** Runs ce_index_<dtype> of build `b`; returns sums, per-position losses and the bad position. */
function runIndex(b: RawBuild, dtype: 'f32' | 'f64', x: Floats, t: Int32Array, w: Floats | null, outer: number,
  C: number, inner: number, span: number, ignore: number, eps: number, misalign = 0, write = true): Ref & { bad: number } {
  b.reset();
  const ctor = x.constructor as typeof Float64Array;
  const px = b.put(x, misalign);
  const pt = b.put(t);
  const pw = w ? b.put(w) : 0;
  const n = outer * span;
  const out = b.reserve(ctor, n);
  const res = b.reserve(Float64Array, 3);
  const flags = (w ? HAS_WEIGHT : 0) | (write ? WRITE_OUT : 0);
  const bad = b.k[`ce_index_${dtype}`](px, pt, pw, outer, C, inner, span, ignore, eps, flags, out, res);
  const sums = b.read(Float64Array, res, 3);
  return { loss: sums[0], smooth: sums[1], weight: sums[2], out: write ? [...b.read(ctor, out, n)] : [], bad };
}

function runProb(b: RawBuild, dtype: 'f32' | 'f64', x: Floats, q: Floats, w: Floats | null, outer: number, C: number,
  inner: number, eps: number): Ref {
  b.reset();
  const ctor = x.constructor as typeof Float64Array;
  const px = b.put(x);
  const pq = b.put(q);
  const pw = w ? b.put(w) : 0;
  const n = outer * inner;
  const out = b.reserve(ctor, n);
  const res = b.reserve(Float64Array, 3);
  b.k[`ce_prob_${dtype}`](px, pq, pw, outer, C, inner, inner, eps, (w ? HAS_WEIGHT : 0) | WRITE_OUT, out, res);
  const sums = b.read(Float64Array, res, 3);
  return { loss: sums[0], smooth: sums[1], weight: sums[2], out: [...b.read(ctor, out, n)] };
}

/** (outer, C, inner) layouts: rows of every class count in LENGTHS (capped), then class slabs of every width. */
const ROW_LAYOUTS: Array<[number, number]> = [
  ...LENGTHS.filter((c) => c > 0 && c <= 1000).map((c): [number, number] => [5, c]),
  [1, 65537],
  [17, 10],
];
const SLAB_LAYOUTS: Array<[number, number, number]> = [
  ...LENGTHS.filter((n) => n > 1 && n <= 33).map((inner): [number, number, number] => [2, 3, inner]),
  [1, 10, 1000],
  [3, 1, 5],
  [2, 17, 4],
];

const DTYPES = [['f32', Float32Array], ['f64', Float64Array]] as const;

for (const name of BUILDS) {
  describe(`ce_index (${name} build)`, () => {
    const b = new RawBuild(name);
    for (const [dtype, ctor] of DTYPES) {
      it(`${dtype}: rows and class slabs, with and without weights and label smoothing`, () => {
        const r = rng(dtype === 'f32' ? 1 : 2);
        const layouts: Array<[number, number, number]> = [...ROW_LAYOUTS.map(([o, c]): [number, number, number] => [o, c, 1]), ...SLAB_LAYOUTS];
        for (const [outer, C, inner] of layouts) {
          const x = randomFloats(ctor, outer * C * inner, r, 8);
          // Some targets ignored (−100), the rest valid.
          const t = Int32Array.from({ length: outer * inner }, () => (r() < 0.2 ? -100 : Math.floor(r() * C)));
          const w = randomFloats(ctor, C, r, 2).map((v) => v + 1.5);
          for (const weight of [null, w]) {
            for (const eps of [0, 0.2]) {
              const what = `${dtype} [${outer}, ${C}, ${inner}] w=${weight ? 1 : 0} eps=${eps}`;
              const got = runIndex(b, dtype, x, t, weight, outer, C, inner, inner, -100, eps);
              expect(got.bad, what).toBe(-1);
              expectMatches(got, refIndex(x, t, weight, outer, C, inner, inner, -100, eps), dtype === 'f32', what, x.length);
            }
          }
        }
      });

      it(`${dtype}: sums without per-position output (one log per 64 rows) match, ignored rows, NaN rows and bad targets`, () => {
        const r = rng(dtype === 'f32' ? 21 : 22);
        for (const [outer, C] of [[1, 10], [2, 4], [5, 10], [17, 10], [131, 7], [200, 256], [3, 257], [64, 3]]) {
          const x = randomFloats(ctor, outer * C, r, 8);
          const t = Int32Array.from({ length: outer }, () => (r() < 0.2 ? -100 : Math.floor(r() * C)));
          const what = `${dtype} [${outer}, ${C}] sums only`;
          const got = runIndex(b, dtype, x, t, null, outer, C, 1, 1, -100, 0, 0, false);
          expect(got.bad, what).toBe(-1);
          const want = refIndex(x, t, null, outer, C, 1, 1, -100, 0);
          expectMatches(got, { ...want, out: [] }, dtype === 'f32', what, x.length);
          // A NaN in a kept row makes the sum NaN; in an ignored row it changes nothing.
          const kept = t.findIndex((v) => v !== -100), ignored = t.findIndex((v) => v === -100);
          if (ignored >= 0) {
            const y = x.slice();
            y[ignored * C + C - 1] = NaN;
            expect(runIndex(b, dtype, y, t, null, outer, C, 1, 1, -100, 0, 0, false).loss, what).toBe(got.loss);
          }
          if (kept >= 0) {
            const z = x.slice();
            z[kept * C] = NaN;
            expect(runIndex(b, dtype, z, t, null, outer, C, 1, 1, -100, 0, 0, false).loss, what).toBeNaN();
          }
          const bad = t.slice();
          bad[outer - 1] = C;
          expect(runIndex(b, dtype, x, bad, null, outer, C, 1, 1, -100, 0, 0, false).bad, what).toBe(outer - 1);
        }
      });

      it(`${dtype}: a span shorter than inner reads the first positions of each slab`, () => {
        const r = rng(5);
        const [outer, C, inner, span] = [3, 4, 11, 6];
        const x = randomFloats(ctor, outer * C * inner, r, 6);
        const t = Int32Array.from({ length: outer * span }, () => Math.floor(r() * C));
        const got = runIndex(b, dtype, x, t, null, outer, C, inner, span, -100, 0.1);
        expectMatches(got, refIndex(x, t, null, outer, C, inner, span, -100, 0.1), dtype === 'f32', 'span');
      });

      it(`${dtype}: logits off the 16-byte alignment of v128 give the same result`, () => {
        const r = rng(6);
        const x = randomFloats(ctor, 7 * 9, r, 6);
        const t = Int32Array.from({ length: 7 }, () => Math.floor(r() * 9));
        const want = refIndex(x, t, null, 7, 9, 1, 1, -100, 0);
        expectMatches(runIndex(b, dtype, x, t, null, 7, 9, 1, 1, -100, 0, dtype === 'f32' ? 4 : 8), want, dtype === 'f32', 'misaligned');
      });

      it(`${dtype}: reports the first target outside [0, C) that is not ignored`, () => {
        for (const [outer, C, inner] of [[6, 5, 1], [2, 3, 9]] as const) {
          const x = randomFloats(ctor, outer * C * inner, rng(8), 4);
          const n = outer * inner;
          for (const badAt of [0, 3, n - 1]) {
            for (const badValue of [C, -1, -2147483648]) {
              const t = new Int32Array(n).fill(1);
              t[1] = 7; // == ignore below: skipped even though ≥ C
              if (badAt !== 1) t[badAt] = badValue;
              const got = runIndex(b, dtype, x, t, null, outer, C, inner, inner, 7, 0);
              expect(got.bad, `bad ${badValue} at ${badAt} in [${outer}, ${C}, ${inner}]`).toBe(badAt === 1 ? -1 : badAt);
            }
          }
        }
      });

      it(`${dtype}: NaN, +Inf and −Inf logits propagate as in PyTorch`, () => {
        // Rows: [NaN, 1, 0] → NaN; [1, +Inf, 3] → NaN; [1, −Inf, 3] target 0 → 2.126928…; target 1 → +Inf.
        const x = (ctor as typeof Float64Array).from([NaN, 1, 0, 1, Infinity, 3, 1, -Infinity, 3, 1, -Infinity, 3]);
        const t = Int32Array.from([1, 1, 0, 1]);
        const got = runIndex(b, dtype, x, t, null, 4, 3, 1, 1, -100, 0);
        expect(got.out[0]).toBeNaN();
        expect(got.out[1]).toBeNaN();
        expect(close(got.out[2], 2 + Math.log(1 + Math.exp(-2)), dtype === 'f32' ? 1e-7 : 1e-15)).toBe(true);
        expect(got.out[3]).toBe(Infinity);
      });

      it(`${dtype}: NaN and ±Inf propagate in rows taken two at a time (C = 6: a tail of 2 float32 classes)`, () => {
        // PyTorch 1.13, float64 (torch.nn.functional.cross_entropy(x, t, reduction='none')):
        // [nan, 0.45619331601812235, nan, 1.6094379124341003, inf, nan]; 0.456… = log Σ_{k=0..5} e^−k, 1.609… = log 5.
        const I = Infinity;
        const x = (ctor as typeof Float64Array).from([
          0, 0, 0, 0, 0, NaN, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, I, 0, 0, 0, 0, -I, 0, 0, 0, 0, 0, 0, -I, -I, -I, -I, -I, -I, -I,
        ]);
        const t = Int32Array.from([0, 5, 0, 0, 5, 0]);
        const got = runIndex(b, dtype, x, t, null, 6, 6, 1, 1, -100, 0);
        const tol = dtype === 'f32' ? 1e-7 : 1e-15;
        expect(got.out[0]).toBeNaN();
        expect(close(got.out[1], Math.log([0, 1, 2, 3, 4, 5].reduce((a, k) => a + Math.exp(-k), 0)), tol)).toBe(true);
        expect(got.out[2]).toBeNaN();
        expect(close(got.out[3], Math.log(5), tol)).toBe(true);
        expect(got.out[4]).toBe(Infinity);
        expect(got.out[5]).toBeNaN();
      });

      it(`${dtype}: a NaN anywhere in a row makes it NaN (C = 10 in pairs of rows; C = 301: loop, last vector, tail)`, () => {
        for (const C of [10, 301]) {
          for (const at of [0, 5, C - 6, C - 4, C - 2, C - 1]) {
            for (const row of [0, 1]) {
              const x = (ctor as typeof Float64Array).from({ length: 2 * C }, (_, i) => (i % 7) - 3);
              x[row * C + at] = NaN;
              const got = runIndex(b, dtype, x, Int32Array.from([1, 1]), null, 2, C, 1, 1, -100, 0);
              const what = `C=${C}, NaN at [${row}, ${at}]`;
              expect(got.out[row], what).toBeNaN();
              expect(Number.isFinite(got.out[1 - row]), what).toBe(true);
            }
          }
        }
      });

      it(`${dtype}: a NaN in a class slab makes exactly its position NaN (SIMD groups and the column tail)`, () => {
        const [outer, C, inner] = [2, 5, 9];
        for (const [o, c, j] of [[0, 0, 0], [0, 4, 3], [1, 2, 7], [1, 4, 8]]) {
          const x = (ctor as typeof Float64Array).from({ length: outer * C * inner }, (_, i) => (i % 5) - 2);
          x[(o * C + c) * inner + j] = NaN;
          const got = runIndex(b, dtype, x, new Int32Array(outer * inner).fill(1), null, outer, C, inner, inner, -100, 0);
          got.out.forEach((v, pos) => {
            if (pos === o * inner + j) expect(v, `NaN at (${o}, ${c}, ${j})`).toBeNaN();
            else expect(Number.isFinite(v), `position ${pos}, NaN at (${o}, ${c}, ${j})`).toBe(true);
          });
        }
      });
    }
  });

  describe(`ce_prob (${name} build)`, () => {
    const b = new RawBuild(name);
    for (const [dtype, ctor] of DTYPES) {
      it(`${dtype}: rows and class slabs, with and without weights and label smoothing`, () => {
        const r = rng(dtype === 'f32' ? 3 : 4);
        const layouts: Array<[number, number, number]> = [...ROW_LAYOUTS.map(([o, c]): [number, number, number] => [o, c, 1]), ...SLAB_LAYOUTS];
        for (const [outer, C, inner] of layouts) {
          const x = randomFloats(ctor, outer * C * inner, r, 8);
          const q = (ctor as typeof Float64Array).from({ length: outer * C * inner }, () => r());
          const w = (ctor as typeof Float64Array).from({ length: C }, () => 0.5 + r());
          for (const weight of [null, w]) {
            for (const eps of [0, 0.3]) {
              const what = `${dtype} [${outer}, ${C}, ${inner}] w=${weight ? 1 : 0} eps=${eps}`;
              expectMatches(runProb(b, dtype, x, q, weight, outer, C, inner, eps),
                refProb(x, q, weight, outer, C, inner, eps), dtype === 'f32', what, x.length);
            }
          }
        }
      });
    }
  });

  describe(`narrow_i64_i32 (${name} build)`, () => {
    const b = new RawBuild(name);
    it('keeps int32 values and maps the rest to the sentinel, in place, at every length', () => {
      const r = rng(9);
      const specials = [0n, -1n, 2147483647n, -2147483648n, 2147483648n, -2147483649n, 1n << 40n, -(1n << 62n)];
      for (const n of LENGTHS) {
        const src = BigInt64Array.from({ length: n }, (_, i) =>
          i < specials.length ? specials[i] : BigInt(Math.floor((r() - 0.5) * 2 ** 34)));
        b.reset();
        const p = b.put(src);
        b.k.narrow_i64_i32(p, p, n, -7);
        const got = b.read(Int32Array, p, n);
        for (let i = 0; i < n; i++) {
          const v = src[i];
          const want = v >= -2147483648n && v <= 2147483647n ? Number(v) : -7;
          if (got[i] !== want) expect.fail(`n=${n} [${i}] ${v} → ${got[i]}, expected ${want}`);
        }
      }
    });
  });
}
