// assembly/checks.ts in both test builds: outside_unit_f32/f64 (BCE's input check: the first element outside
// [0, 1], NaN included, −0 inside) at every length of DESIGN.md §4, with the bad element at every position class
// (none, first, inside a SIMD vector, the last lane of the last vector, in the scalar tail, last), for each kind of
// bad value and with a later bad element that must not win; and narrow_i64_i32 (int64 class indices to int32, a
// sentinel for what does not fit), in place and into a separate array, at every length and alignment.
import { describe, expect, it } from 'vitest';
import { BUILDS, LENGTHS, RawBuild, rng, show, uncalled } from './helpers/builds.js';

const DTYPES = [
  { dtype: 'f32', ctor: Float32Array, lanes: 4, tiny: 2 ** -149, above1: 1 + 2 ** -23 },
  { dtype: 'f64', ctor: Float64Array, lanes: 2, tiny: 2 ** -1074, above1: 1 + 2 ** -52 },
] as const;

/** Byte offsets past a 16-byte boundary: aligned, one element, odd. */
const MISALIGN = [0, 4, 3];

/** Values inside [0, 1], the boundaries and −0 among them. */
function inside(n: number, r: () => number, tiny: number): number[] {
  const specials = [0, -0, 1, tiny, 0.5, 1 - 2 ** -24];
  return Array.from({ length: n }, (_, i) => (i % 3 === 0 ? specials[((i / 3) % specials.length) | 0] : r()));
}

/** The indices of each position class for n elements in vectors of `lanes`. */
function positions(n: number, lanes: number): Array<[string, number]> {
  const vectorEnd = Math.floor(n / lanes) * lanes; // first index of the scalar tail in the SIMD build
  const out: Array<[string, number]> = [];
  if (n > 0) out.push(['first', 0]);
  if (vectorEnd >= 2 * lanes) out.push(['inside a vector', lanes + 1]);
  if (vectorEnd > 0) out.push(['last lane of the last vector', vectorEnd - 1]);
  if (vectorEnd < n) out.push(['in the tail', vectorEnd]);
  if (n > 1) out.push(['last', n - 1]);
  return out;
}

for (const name of BUILDS) {
  describe(`outside_unit (${name} build)`, () => {
    const b = new RawBuild(name);
    for (const { dtype, ctor, lanes, tiny, above1 } of DTYPES) {
      const bad = [NaN, -tiny, above1, Infinity, -Infinity, 2, -1];
      it(`${dtype}: −1 when every element is inside [0, 1] (−0, 0, 1 and tiny values included), at every length`, () => {
        for (const n of LENGTHS) {
          for (const misalign of MISALIGN) {
            b.reset();
            const p = b.put(ctor.from(inside(n, rng(n), tiny)), misalign);
            expect(b.k[`outside_unit_${dtype}`](p, n), `n = ${n}, misalign ${misalign}`).toBe(-1);
          }
        }
      });

      it(`${dtype}: the index of the first bad element, at every length and position class, for NaN, ±Inf, just outside and far outside`, () => {
        for (const n of LENGTHS) {
          const base = ctor.from(inside(n, rng(n + 7), tiny));
          for (const [where, at] of positions(n, lanes)) {
            for (const value of bad) {
              for (const misalign of MISALIGN) {
                const x = base.slice();
                x[at] = value;
                // A later bad element (in the same vector when there is room, and at the end) must not win.
                if (at + 1 < n) x[at + 1] = 5;
                if (at + 2 < n) x[n - 1] = NaN;
                b.reset();
                const p = b.put(x, misalign);
                const got = b.k[`outside_unit_${dtype}`](p, n);
                if (got !== at)
                  expect.fail(`n = ${n}, ${show(value)} ${where} (${at}), misalign ${misalign}: got ${got}`);
              }
            }
          }
        }
      });

      it(`${dtype}: reads only its n elements (a bad value right after them is not reported)`, () => {
        for (const n of LENGTHS) {
          const x = ctor.from([...inside(n, rng(3), tiny), NaN, NaN, NaN, NaN]);
          b.reset();
          const p = b.put(x, 4);
          expect(b.k[`outside_unit_${dtype}`](p, n), `n = ${n}`).toBe(-1);
        }
      });
    }
  });

  describe(`narrow_i64_i32 (${name} build)`, () => {
    const b = new RawBuild(name);
    const specials = [
      0n,
      -1n,
      1n,
      2147483647n,
      -2147483648n,
      2147483648n,
      -2147483649n,
      1n << 40n,
      -(1n << 62n),
      // Low words that look like int32 values, with high words that make them not fit.
      (1n << 32n) + 5n,
      -(1n << 32n) + 5n,
      4294967295n,
      (1n << 63n) - 1n,
      -(1n << 63n),
    ];
    const fits = (v: bigint) => v >= -2147483648n && v <= 2147483647n;

    function values(n: number, seed: number): BigInt64Array {
      const r = rng(seed);
      return BigInt64Array.from({ length: n }, (_, i) =>
        i % 2 === 0 ? specials[(i / 2 + n) % specials.length] : BigInt(Math.floor((r() - 0.5) * 2 ** 34)),
      );
    }

    function check(src: BigInt64Array, got: Int32Array, sentinel: number, what: string): void {
      for (let i = 0; i < src.length; i++) {
        const want = fits(src[i]) ? Number(src[i]) : sentinel;
        if (got[i] !== want) expect.fail(`${what} [${i}]: ${src[i]} → ${got[i]}, expected ${want}`);
      }
    }

    it('keeps int32 values and maps the rest to the sentinel, in place, at every length and alignment', () => {
      for (const n of LENGTHS) {
        for (const misalign of MISALIGN) {
          for (const sentinel of [-7, -2147483648]) {
            const src = values(n, n + misalign);
            b.reset();
            const p = b.put(src, misalign);
            b.k.narrow_i64_i32(p, p, n, sentinel);
            check(src, b.read(Int32Array, p, n), sentinel, `in place, n = ${n}, misalign ${misalign}`);
          }
        }
      }
    });

    it('into a separate array, writing exactly n int32s', () => {
      for (const n of LENGTHS) {
        const src = values(n, 2 * n + 1);
        b.reset();
        const p = b.put(src, 8);
        const dst = b.reserve(Int32Array, n, 4);
        b.poison(dst, 4 * n);
        b.k.narrow_i64_i32(p, dst, n, -9);
        check(src, b.read(Int32Array, dst, n), -9, `separate, n = ${n}`);
        expect(b.guardsIntact(dst, 4 * n), `n = ${n}: wrote outside dst`).toBe(true);
        expect(b.read(BigInt64Array, p, n), `n = ${n}: src unchanged`).toEqual(src);
      }
    });
  });
}

describe('coverage', () => {
  it('called every checks export of the test builds', () => {
    expect(uncalled('checks')).toEqual([]);
  });
});
