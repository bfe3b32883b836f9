// The pair row kernels (assembly/rows/pairwise.ts: pd_acc, pd_acc2, pd_ties, pd_grad, cos_acc, cos_grad) in both
// test builds, at the row lengths of DESIGN.md §4, for float32 and float64, with aligned and misaligned pointers, against
// float64 references written here from the formulas of the kernel's header:
//   pd_acc     every mode's row statistic, to the float64 summation bound (max/min exactly; pow to 1e-13)
//   pd_acc2    bit for bit two pd_acc calls (its pairs (a, b) and (a, c)), from non-zero starting values
//   pd_ties    the ∞-norm mask counts, exactly
//   pd_grad    one, two and three pairs: bit for bit the reference (same operations in float64, one rounding),
//              pow modes to 1e-13 of the contributions
//   cos_acc    Σx·y (to the bound of Σ|x·y|), Σx², Σy²;  cos_grad bit for bit
// and no kernel writes outside its outputs (guard bytes); the two builds against each other (elementwise outputs
// bit for bit, row sums, whose order differs, to the summation bound); the release binary against the testing
// build (the same bits); and every export of the family called (KERNEL_FAMILIES.pairwise in helpers/builds.ts).
import { describe, expect, it } from 'vitest';
import type { BuildName } from './helpers/builds.js';
import { BUILDS, LENGTHS, RawBuild, RELEASE, uncalled } from './helpers/builds.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** A build with the helpers these tests use. */
class Raw {
  readonly b: RawBuild;
  constructor(name: BuildName | typeof RELEASE) {
    this.b = new RawBuild(name);
  }
  get k() {
    return this.b.k;
  }
  get memory() {
    return this.b.memory;
  }
  reset(): void {
    this.b.reset();
  }
  /** Output space, poisoned (with guards) so that unwritten or overrun bytes show. */
  reserve(bytes: number, misalign = 0): number {
    const p = this.b.reserveBytes(bytes, misalign);
    this.b.poison(p, bytes);
    return p;
  }
  put(values: Float32Array | Float64Array, misalign = 0): number {
    return this.b.put(values, misalign);
  }
  read(ctor: Ctor, ptr: number, n: number): Float64Array {
    return Float64Array.from(this.b.read(ctor, ptr, n));
  }
  intact(ptr: number, bytes: number): boolean {
    return this.b.guardsIntact(ptr, bytes);
  }
  mode(name: string): number {
    return (this.b.raw[`PD_${name}`] as WebAssembly.Global).value as number;
  }
}

/** Deterministic inputs (a small LCG), with exact zeros, ties and one NaN sprinkled in for rows of 15 or more. */
function inputs(n: number, seed: number, special: boolean): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  if (special && n >= 15) {
    out[3] = 0;
    out[7] = out[8];
  }
  return out;
}

const EPS = 1e-6;
const sgn = (d: number) => (d > 0 ? 1 : d < 0 ? -1 : 0);
/** The float64 pow the kernels use is exp(e·log|d|); the reference uses Math.pow: 1e-13 relative covers both. */
const POW_TOL = 1e-13;

/** Reference statistic of a row (pd_acc's definition), float64 in element order. */
function refAcc(mode: string, x: Float64Array, y: Float64Array, p: number): number {
  let a = mode === 'MIN' ? Infinity : 0;
  for (let j = 0; j < x.length; j++) {
    const d = x[j] - y[j] + EPS;
    if (mode === 'L2') a += d * d;
    else if (mode === 'L1') a += Math.abs(d);
    else if (mode === 'MAX') a = Math.max(a, Math.abs(d));
    else if (mode === 'MIN') a = Math.min(a, Math.abs(d));
    else if (mode === 'ZERO') a += d !== 0 ? 1 : 0;
    else a += Math.abs(d) ** p;
  }
  return a;
}

/** Reference q of one element for the row's coefficients (the kernel header's table). */
function refQ(mode: string, d: number, k0: number, k1: number, p: number): number {
  switch (mode) {
    case 'L1':
      return sgn(d) * k0;
    case 'L2':
      return k0 * (k1 === 0 ? 0 : d / k1);
    case 'MAX':
    case 'MIN': {
      const a = Math.abs(d);
      return sgn(d) * (k0 * (a === k1 || a !== a ? 1 : 0));
    }
    case 'POW_LT1':
      return sgn(d) * (d === 0 ? 0 : Math.abs(d) ** (p - 1)) * k0 * k1;
    case 'POW_LT2':
      return sgn(d) * Math.abs(d) ** (p - 1) * k0;
    case 'POW_GT2':
      return d * Math.abs(d) ** (p - 2) * k0;
  }
  throw new Error(mode);
}

const MODES: Array<[string, number]> = [
  ['L2', 2],
  ['L1', 1],
  ['MAX', Infinity],
  ['MIN', -Infinity],
  ['ZERO', 0],
  ['POW_LT1', 0.5],
  ['POW_LT2', 1.5],
  ['POW_GT2', 3],
];
const ROWS = 2;

function close(got: number, want: number, rel: number, what: string): void {
  if (Number.isNaN(want)) {
    expect(got, what).toBeNaN();
    return;
  }
  if (!Number.isFinite(want) || want === 0) {
    expect(Object.is(got, want), `${what}: ${got} vs ${want} (sign of zero)`).toBe(true);
    return;
  }
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(rel * Math.abs(want));
}

const results: Record<string, Record<string, Float64Array>> = { testing: {}, 'testing-scalar': {} };

for (const build of BUILDS) {
  describe(`pair row kernels, ${build} build`, () => {
    const w = new Raw(build);
    it(build === 'testing' ? 'is compiled with SIMD' : 'is compiled without SIMD', () => {
      expect(w.k.simd_enabled()).toBe(build === 'testing' ? 1 : 0);
    });
    for (const [dtype, ctor] of [
      ['f32', Float32Array],
      ['f64', Float64Array],
    ] as const) {
      for (const misalign of [0, ctor.BYTES_PER_ELEMENT]) {
        for (const [mode, p] of MODES) {
          it(`pd_acc, pd_ties and pd_grad_${dtype} in mode ${mode} at every row length (misalign ${misalign})`, () => {
            for (const n of LENGTHS) {
              w.reset();
              const [a, b, c] = [1, 2, 3].map((s) => ctor.from(inputs(ROWS * n, s * 7919 + n, s === 1)));
              // Exact ties for the ∞-norms and zero differences (d = −eps is not exact; d = 0 needs x − y = −eps).
              const pa = w.put(a, misalign),
                pb = w.put(b, misalign),
                pc = w.put(c, misalign);
              const A = Float64Array.from(a),
                B = Float64Array.from(b),
                C = Float64Array.from(c);
              const acc = w.reserve(ROWS * 8);
              new Float64Array(w.memory.buffer, acc, ROWS).fill(mode === 'MIN' ? Infinity : 0);
              w.k[`pd_acc_${dtype}`](pa, pb, ROWS, n, EPS, w.mode(mode), p, acc);
              expect(w.intact(acc, ROWS * 8), 'pd_acc wrote outside acc').toBe(true);
              const stats = w.read(Float64Array, acc, ROWS);
              results[build][`acc ${dtype} ${mode} ${n} ${misalign}`] = stats;
              // pd_acc2: the pairs (a, b) and (a, c) in one pass, the bits of pd_acc on each, from a non-zero start.
              const acc2 = w.reserve(2 * ROWS * 8),
                accC = w.reserve(ROWS * 8);
              const start = Float64Array.from({ length: 2 * ROWS }, (_, i) => (mode === 'MIN' ? Infinity : i * 0.25));
              new Float64Array(w.memory.buffer, acc2, 2 * ROWS).set(start);
              new Float64Array(w.memory.buffer, accC, ROWS).set(start.subarray(ROWS));
              const accB = w.put(start.subarray(0, ROWS));
              w.k[`pd_acc2_${dtype}`](pa, pb, pc, ROWS, n, EPS, w.mode(mode), p, acc2, acc2 + ROWS * 8);
              w.k[`pd_acc_${dtype}`](pa, pb, ROWS, n, EPS, w.mode(mode), p, accB);
              w.k[`pd_acc_${dtype}`](pa, pc, ROWS, n, EPS, w.mode(mode), p, accC);
              expect(w.intact(acc2, 2 * ROWS * 8), 'pd_acc2 wrote outside its accumulators').toBe(true);
              expect([...w.read(Float64Array, acc2, 2 * ROWS)], `pd_acc2 ${mode} n=${n}`).toEqual([
                ...w.read(Float64Array, accB, ROWS),
                ...w.read(Float64Array, accC, ROWS),
              ]);
              for (let r = 0; r < ROWS; r++) {
                const want = refAcc(mode, A.subarray(r * n, (r + 1) * n), B.subarray(r * n, (r + 1) * n), p);
                const tol = mode.startsWith('POW') ? POW_TOL * n + 2 * n * 2 ** -52 : 2 * n * 2 ** -52;
                close(stats[r], want, tol, `${mode} n=${n} row ${r}`);
              }
              // The norms the facade would take, the ties, and the gradient coefficients of every pair.
              const norm = Array.from(stats, (s) =>
                n === 0 ? 0 : mode === 'L2' ? Math.sqrt(s) : mode.startsWith('POW') ? s ** (1 / p) : s,
              );
              const pn = w.put(Float64Array.from(norm)),
                cnt = w.reserve(ROWS * 8);
              new Float64Array(w.memory.buffer, cnt, ROWS).fill(0);
              w.k[`pd_ties_${dtype}`](pa, pb, ROWS, n, EPS, pn, cnt);
              expect(w.intact(cnt, ROWS * 8), 'pd_ties wrote outside cnt').toBe(true);
              const ties = w.read(Float64Array, cnt, ROWS);
              for (let r = 0; r < ROWS; r++) {
                let t = 0;
                for (let j = 0; j < n; j++) {
                  const d = Math.abs(A[r * n + j] - B[r * n + j] + EPS);
                  if (d === norm[r] || d !== d) t++;
                }
                expect(ties[r]).toBe(t);
              }
              const coef = new Float64Array(6 * ROWS);
              for (let k = 0; k < 6; k++)
                for (let r = 0; r < ROWS; r++) coef[k * ROWS + r] = k % 2 === 0 ? 0.75 - k / 4 - r : 1.25 + r + k;
              const pk = w.put(coef);
              for (const pairs of [1, 3, 7]) {
                const ga = w.reserve(ROWS * n * ctor.BYTES_PER_ELEMENT, misalign),
                  gb = w.reserve(ROWS * n * ctor.BYTES_PER_ELEMENT, misalign);
                const gc = w.reserve(ROWS * n * ctor.BYTES_PER_ELEMENT, misalign);
                w.k[`pd_grad_${dtype}`](
                  pa,
                  pb,
                  pairs > 1 ? pc : 0,
                  ROWS,
                  n,
                  EPS,
                  w.mode(mode),
                  p,
                  pairs,
                  pk,
                  ga,
                  gb,
                  pairs > 1 ? gc : 0,
                );
                const gbytes = ROWS * n * ctor.BYTES_PER_ELEMENT;
                expect(
                  [ga, gb, gc].every((g) => w.intact(g, gbytes)),
                  'pd_grad wrote outside its outputs',
                ).toBe(true);
                if (pairs === 1)
                  expect(
                    w.b.read(Uint8Array, gc, gbytes).every((v) => v === 0xa5),
                    'pd_grad wrote gc = 0',
                  ).toBe(true);
                const outs = [
                  w.read(ctor, ga, ROWS * n),
                  w.read(ctor, gb, ROWS * n),
                  pairs > 1 ? w.read(ctor, gc, ROWS * n) : null,
                ];
                outs.forEach((o, i) => {
                  if (o) results[build][`grad ${dtype} ${mode} ${n} ${misalign} ${pairs} ${i}`] = o;
                });
                const round = dtype === 'f32' ? Math.fround : (v: number) => v;
                const rel = mode.startsWith('POW') ? POW_TOL + (dtype === 'f32' ? 2 ** -24 : 0) : 0;
                const bad: string[] = [];
                for (let r = 0; r < ROWS; r++) {
                  const K = (k: number) => coef[k * ROWS + r];
                  for (let j = 0; j < n; j++) {
                    const e = r * n + j;
                    const zero = mode === 'ZERO';
                    const ab = zero ? 0 : refQ(mode, A[e] - B[e] + EPS, K(0), K(1), p);
                    const ac = !zero && pairs & 2 ? refQ(mode, A[e] - C[e] + EPS, K(2), K(3), p) : 0;
                    const bc = !zero && pairs & 4 ? refQ(mode, B[e] - C[e] + EPS, K(4), K(5), p) : 0;
                    // pow's error is relative to each contribution, and a sum of two may cancel
                    const scale = Math.abs(ab) + Math.abs(ac) + Math.abs(bc);
                    const want =
                      mode === 'ZERO'
                        ? [0, 0, 0]
                        : [pairs & 2 ? ab + ac : ab, pairs & 4 ? -ab + bc : -ab, pairs & 4 ? -ac - bc : -ac];
                    for (let i = 0; i < 3; i++) {
                      const o = outs[i];
                      if (!o) continue;
                      const w = round(want[i]),
                        g = o[e];
                      const ok =
                        rel === 0
                          ? Object.is(g, w) || (g !== g && w !== w)
                          : w === 0
                            ? Object.is(g, w)
                            : Math.abs(g - want[i]) <= rel * scale + (dtype === 'f32' ? 2 ** -24 * Math.abs(w) : 0) ||
                              (g !== g && w !== w);
                      if (!ok && bad.length < 5) bad.push(`pairs ${pairs} grad ${i} [${e}]: ${g} vs ${w}`);
                    }
                  }
                }
                expect(bad, `${mode} n=${n}`).toEqual([]);
              }
            }
          });
        }
        it(`cos_acc and cos_grad_${dtype} at every row length (misalign ${misalign})`, () => {
          for (const n of LENGTHS) {
            w.reset();
            const [x, y] = [1, 2].map((s) => ctor.from(inputs(ROWS * n, s * 104729 + n, false)));
            const px = w.put(x, misalign),
              py = w.put(y, misalign);
            const acc = w.reserve(3 * ROWS * 8);
            new Float64Array(w.memory.buffer, acc, 3 * ROWS).fill(0);
            w.k[`cos_acc_${dtype}`](px, py, ROWS, n, acc);
            expect(w.intact(acc, 3 * ROWS * 8), 'cos_acc wrote outside acc').toBe(true);
            const got = w.read(Float64Array, acc, 3 * ROWS);
            results[build][`cos ${dtype} ${n} ${misalign}`] = got;
            for (let r = 0; r < ROWS; r++) {
              let dot = 0,
                sx = 0,
                sy = 0,
                ax = 0;
              for (let j = 0; j < n; j++) {
                const a = x[r * n + j],
                  b = y[r * n + j];
                dot += a * b;
                sx += a * a;
                sy += b * b;
                ax += Math.abs(a * b);
              }
              // The dot product can cancel: its bound is relative to Σ|x·y|.
              expect(Math.abs(got[r] - dot)).toBeLessThanOrEqual(2 * n * 2 ** -52 * ax);
              close(got[ROWS + r], sx, 2 * n * 2 ** -52, `Σx² row ${r}`);
              close(got[2 * ROWS + r], sy, 2 * n * 2 ** -52, `Σy² row ${r}`);
            }
            const coef = Float64Array.from([0.5, -1.25, 2, 0.125, -0.75, 3]); // α, β, γ for two rows
            const pk = w.put(coef);
            const gx = w.reserve(ROWS * n * ctor.BYTES_PER_ELEMENT, misalign),
              gy = w.reserve(ROWS * n * ctor.BYTES_PER_ELEMENT, misalign);
            w.k[`cos_grad_${dtype}`](px, py, ROWS, n, pk, gx, gy);
            const cbytes = ROWS * n * ctor.BYTES_PER_ELEMENT;
            expect(w.intact(gx, cbytes) && w.intact(gy, cbytes), 'cos_grad wrote outside its outputs').toBe(true);
            const ox = w.read(ctor, gx, ROWS * n),
              oy = w.read(ctor, gy, ROWS * n);
            results[build][`cosgrad ${dtype} ${n} ${misalign}`] = Float64Array.from([...ox, ...oy]);
            const round = dtype === 'f32' ? Math.fround : (v: number) => v;
            let bad = 0;
            for (let r = 0; r < ROWS; r++) {
              const [al, be, ga] = [coef[r], coef[ROWS + r], coef[2 * ROWS + r]];
              for (let j = 0; j < n; j++) {
                const e = r * n + j,
                  a = x[e],
                  b = y[e];
                const tx = be * a,
                  ty = ga * b;
                if (!Object.is(ox[e], round(al * b + (tx + tx))) || !Object.is(oy[e], round(al * a + (ty + ty)))) bad++;
              }
            }
            expect(bad, `cos_grad n=${n}`).toBe(0);
          }
        });
      }
    }
  });
}

describe('pair row kernels: the SIMD and the scalar build agree', () => {
  it('bit for bit on every elementwise output, and to the summation bound on row statistics', () => {
    const keys = Object.keys(results.testing);
    expect(keys.length).toBeGreaterThan(100);
    for (const key of keys) {
      const a = results.testing[key],
        b = results['testing-scalar'][key];
      expect(b, key).toBeDefined();
      if (key.startsWith('grad') || key.startsWith('cosgrad')) {
        // pow goes through exp2x/log_f64x2 in lanes and exp1/log_f64 in tails: the same operations, the same bits.
        expect(
          Array.from(a)
            .map((v, i) => Object.is(v, b[i]) || (v !== v && b[i] !== b[i]))
            .every(Boolean),
          key,
        ).toBe(true);
      } else {
        const n = Number(key.split(' ')[key.startsWith('cos ') ? 2 : 3]) + 1;
        a.forEach((v, i) => {
          if (!Number.isFinite(v)) expect(Object.is(v, b[i]) || (v !== v && b[i] !== b[i]), key).toBe(true);
          else expect(Math.abs(v - b[i]), key).toBeLessThanOrEqual(4 * n * 2 ** -52 * Math.max(1, Math.abs(v)));
        });
      }
    }
  });
});

describe("the release binary computes the testing build's bits", () => {
  it('pd_acc, pd_ties, pd_grad, cos_acc and cos_grad, every mode', () => {
    const [rel, tst] = [new Raw(RELEASE), new Raw('testing')];
    for (const [dtype, ctor] of [
      ['f32', Float32Array],
      ['f64', Float64Array],
    ] as const) {
      const n = 1003;
      const [a, b, c] = [1, 2, 3].map((s) => ctor.from(inputs(ROWS * n, s, true)));
      const run = (w: Raw): number[] => {
        w.reset();
        const pa = w.put(a, 1),
          pb = w.put(b, 2),
          pc = w.put(c, 3);
        const out: number[] = [];
        for (const [mode, p] of MODES) {
          const acc = w.reserve(3 * ROWS * 8),
            cnt = w.reserve(ROWS * 8),
            pn = w.put(Float64Array.of(2, 3));
          new Float64Array(w.memory.buffer, acc, 3 * ROWS).fill(0);
          new Float64Array(w.memory.buffer, cnt, ROWS).fill(0);
          w.k[`pd_acc_${dtype}`](pa, pb, ROWS, n, EPS, w.mode(mode), p, acc);
          w.k[`pd_ties_${dtype}`](pa, pb, ROWS, n, EPS, pn, cnt);
          const pk = w.put(Float64Array.from({ length: 6 * ROWS }, (_, i) => 0.5 + i));
          const bytes = ROWS * n * ctor.BYTES_PER_ELEMENT;
          const g = [w.reserve(bytes), w.reserve(bytes), w.reserve(bytes)];
          w.k[`pd_grad_${dtype}`](pa, pb, pc, ROWS, n, EPS, w.mode(mode), p, 7, pk, g[0], g[1], g[2]);
          out.push(
            ...w.read(Float64Array, acc, ROWS),
            ...w.read(Float64Array, cnt, ROWS),
            ...g.flatMap((x) => [...w.read(ctor, x, ROWS * n)]),
          );
        }
        const acc = w.reserve(3 * ROWS * 8);
        new Float64Array(w.memory.buffer, acc, 3 * ROWS).fill(0);
        w.k[`cos_acc_${dtype}`](pa, pb, ROWS, n, acc);
        const bytes = ROWS * n * ctor.BYTES_PER_ELEMENT;
        const gx = w.reserve(bytes),
          gy = w.reserve(bytes);
        w.k[`cos_grad_${dtype}`](pa, pb, ROWS, n, w.put(Float64Array.of(0.5, -1, 2, 0.25, -0.75, 3)), gx, gy);
        out.push(...w.read(Float64Array, acc, 3 * ROWS), ...w.read(ctor, gx, ROWS * n), ...w.read(ctor, gy, ROWS * n));
        return out;
      };
      const [x, y] = [run(rel), run(tst)];
      expect(x.length).toBe(y.length);
      expect(
        x.every((v, i) => Object.is(v, y[i]) || (v !== v && y[i] !== y[i])),
        dtype,
      ).toBe(true);
    }
  });
});

describe('coverage', () => {
  // Last in the file: every export of the family was called above.
  it('called every pair row kernel of the test builds', () => {
    expect(uncalled('pairwise')).toEqual([]);
  });
});
