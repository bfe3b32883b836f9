// The row kernels over contiguous class scores (assembly/rows/class_rows.ts, multi_margin.ts, multilabel_margin.ts,
// multilabel_soft_margin.ts) and NLL's kernels over gathered log-probabilities (assembly/rows/nll.ts), raw, in both test builds (SIMD and scalar: asconfig.json's `testing` and
// `testing-scalar`), against float64 TypeScript references written from PyTorch 1.13's definitions, at the class
// counts of DESIGN.md §4 (0, 1, 3, 4, 5, 15, 16, 17, 31, 33, 1000, 65537), both dtypes, aligned and misaligned
// pointers, with NaN, ±Inf and hinge ties placed so that they land in SIMD lanes and in scalar tails. Also: per-element
// gradients give the same bits in both builds, the fused gradient kernels' loss sums match the loss kernels', and
// nothing is written outside the output arrays.
import { describe, expect, it } from 'vitest';
import { softplusTail32 } from './helpers/math32.js';
import { ulp32 } from './helpers/ulp.js';
import { BUILDS, LENGTHS, RawBuild, uncalled } from './helpers/builds.js';
import { rng as mulberry } from '../bench/lib/data.js';

const DTYPES = ['f32', 'f64'] as const;
type D = (typeof DTYPES)[number];
type Floats = Float32Array | Float64Array;

/** An output of `bytes` at `misalign`: poisoned, with guard bytes on each side (RawBuild.guardsIntact). */
function reserveOut(b: RawBuild, bytes: number, misalign = 0): number {
  const ptr = b.reserveBytes(bytes, misalign);
  b.poison(ptr, bytes);
  return ptr;
}

const builds = Object.fromEntries(BUILDS.map((n) => [n, new RawBuild(n)])) as Record<(typeof BUILDS)[number], RawBuild>;
const flag = (b: RawBuild, name: string): number => (b.raw[name] as WebAssembly.Global).value as number;

// One constructor type for both dtypes (the float32 arrays are read through the same interface).
const ctorOf = (d: D): typeof Float64Array =>
  (d === 'f32' ? Float32Array : Float64Array) as unknown as typeof Float64Array;
const bytesOf = (d: D): number => (d === 'f32' ? 4 : 8);

/**
 * Scores of `rows` rows of C: multiples of 1/4 in [−3, 3] (so hinges tie at z = 0 exactly), with a NaN, +Inf and
 * −Inf in the first row when `special` (at positions that move with C, across lanes and tails).
 */
function scores(d: D, rows: number, C: number, r: () => number, special: boolean): Floats {
  const x = ctorOf(d).from({ length: rows * C }, () => Math.round((r() - 0.5) * 24) / 4);
  if (special && C >= 4) {
    x[(C >> 1) + 1] = NaN;
    x[C - 1] = Infinity;
    x[Math.max(0, C - 3)] = -Infinity;
  }
  return x;
}

/** |got − want| ≤ rel·scale (float64), or within one float32 ulp of the float64 reference (f32 outputs). */
function close(got: number, want: number, d: D, scale = Math.abs(want), rel = 1e-12): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  if (d === 'f32') return Math.abs(got - Math.fround(want)) <= ulp32(want) || Math.abs(got - want) <= rel * scale;
  return Math.abs(got - want) <= rel * scale + 1e-300;
}

function sameBits(a: Floats, b: Floats): number {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (!Object.is(a[i], b[i])) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------
// References (PyTorch 1.13's CPU kernels, in float64)

interface RowRef {
  /** Per-row losses, Σ of them, the scale of their terms (for sums in another order) and the gradient. */
  loss: number[];
  total: number;
  scale: number;
  /** The scale of each row's terms. */
  rowScale: number[];
  grad: number[];
  gradScale: number[];
}

/** multi_margin_loss: h = max(0, m − x_y + x_d)^p·w_y, loss = Σ h / C; gradient with s and G per row. */
function mmRef(
  x: Floats,
  t: Int32Array,
  w: Floats | null,
  rows: number,
  C: number,
  p: number,
  m: number,
  s: number,
  G: number[],
): RowRef {
  const r: RowRef = {
    loss: [],
    total: 0,
    scale: 0,
    rowScale: [],
    grad: new Array(rows * C).fill(0),
    gradScale: new Array(rows * C).fill(0),
  };
  for (let i = 0; i < rows; i++) {
    const y = t[i];
    const wy = w ? w[y] : 1;
    const a = m - x[i * C + y];
    let sum = 0,
      abs = 0,
      H = 0,
      Habs = 0;
    for (let d = 0; d < C; d++) {
      if (d === y) continue;
      const z = a + x[i * C + d];
      let h = 0;
      if (z > 0) {
        const v = (p === 2 ? z * z : z) * wy;
        sum += v;
        abs += Math.abs(v);
        h = (p === 2 ? 2 * s * z : s) * wy;
      }
      H += h;
      Habs += Math.abs(h);
      r.grad[i * C + d] = h * G[i];
      r.gradScale[i * C + d] = Math.abs(h * G[i]);
    }
    r.grad[i * C + y] = (0 - H) * G[i];
    r.gradScale[i * C + y] = Habs * Math.abs(G[i]);
    r.loss.push(sum / C);
    r.total += sum / C;
    r.scale += abs / C;
    r.rowScale.push(abs / C);
  }
  return r;
}

/** multilabel_margin_loss: labels up to the first −1, hinge 1 − x_j + x_d over the non-label d. */
function mlmRef(x: Floats, t: Int32Array, rows: number, C: number, s: number, G: number[]): RowRef {
  const r: RowRef = {
    loss: [],
    total: 0,
    scale: 0,
    rowScale: [],
    grad: new Array(rows * C).fill(0),
    gradScale: new Array(rows * C).fill(0),
  };
  for (let i = 0; i < rows; i++) {
    const labels: number[] = [];
    for (let k = 0; k < C && t[i * C + k] >= 0; k++) labels.push(t[i * C + k]);
    const isTarget = new Set(labels);
    const count = new Array(C).fill(0);
    let sum = 0;
    for (const j of labels) {
      for (let d = 0; d < C; d++) {
        if (isTarget.has(d)) continue;
        const z = 1 - x[i * C + j] + x[i * C + d];
        if (z > 0) {
          sum += z;
          count[d] += 1;
          count[j] -= 1;
        }
      }
    }
    for (let d = 0; d < C; d++) {
      r.grad[i * C + d] = count[d] * s * G[i];
      r.gradScale[i * C + d] = Math.abs(r.grad[i * C + d]);
    }
    r.loss.push(sum / C);
    r.total += sum / C;
    r.scale += Math.abs(sum) / C;
    r.rowScale.push(Math.abs(sum) / C);
  }
  return r;
}

interface SoftRef extends RowRef {
  gy: number[];
  gyScale: number[];
}

/**
 * multilabel_soft_margin_loss (float32: e^(−|x|) is 0 where float32 underflows, as PyTorch's float32 exp; the
 * loss's L the float32 softplus tail of test/helpers/math32.ts where the kernel takes it).
 */
function mlsmRef(
  x: Floats,
  y: Floats,
  w: Floats | null,
  wStride: number,
  rows: number,
  C: number,
  s: number,
  G: number[],
  d: D,
): SoftRef {
  const n = rows * C;
  const r: SoftRef = {
    loss: [],
    total: 0,
    scale: 0,
    rowScale: [],
    grad: new Array(n),
    gradScale: new Array(n),
    gy: new Array(n),
    gyScale: new Array(n),
  };
  for (let i = 0; i < rows; i++) {
    let sum = 0,
      abs = 0;
    for (let c = 0; c < C; c++) {
      const k = i * C + c;
      const xv = x[k],
        yv = y[k],
        wv = w ? w[i * wStride + c] : 1;
      let z = Math.exp(-Math.abs(xv));
      if (d === 'f32' && z <= 2 ** -150) z = 0;
      const L = Math.log1p(z);
      const A = Math.min(xv, 0) - L,
        B = Math.min(-xv, 0) - L;
      // The float32 loss takes the float32 softplus tail where the kernel's header allows it.
      const tail = d === 'f32' && yv >= 0 && yv <= 1 && Math.abs(xv) <= Math.fround(87.33654) && wv >= 0;
      const Lv = tail ? softplusTail32(xv) : L;
      const Av = Math.min(xv, 0) - Lv,
        Bv = Math.min(-xv, 0) - Lv;
      const v = -(yv * Av + (1 - yv) * Bv) * wv;
      sum += v;
      abs += Math.abs(yv * Av * wv) + Math.abs((1 - yv) * Bv * wv);
      const nn = -(s * G[i] * wv);
      const q = z / (1 + z);
      const ga = (xv < 0 ? 1 - q : q) * (nn * yv),
        gb = -((xv > 0 ? 1 - q : q) * (nn * (1 - yv)));
      r.grad[k] = ga + gb;
      r.gradScale[k] = Math.abs(ga) + Math.abs(gb);
      const ya = nn * A,
        yb = -(nn * B);
      r.gy[k] = ya + yb;
      r.gyScale[k] = Math.abs(ya) + Math.abs(yb);
      if (d === 'f32') {
        // the contract's float32 zeros: a sum that rounds to zero takes fl(a) + fl(b)'s sign
        if (Math.fround(r.grad[k]) === 0) r.grad[k] = Math.fround(Math.fround(ga) + Math.fround(gb));
        if (Math.fround(r.gy[k]) === 0) r.gy[k] = Math.fround(Math.fround(ya) + Math.fround(yb));
      }
    }
    r.loss.push(sum / C);
    r.total += sum / C;
    r.scale += abs / C;
    r.rowScale.push(abs / C);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------

function expectRows(
  what: string,
  got: { loss: Floats | null; total: number; grad: Floats | null },
  ref: RowRef,
  d: D,
): void {
  if (!close(got.total, ref.total, 'f64', ref.scale, 1e-12))
    expect.fail(`${what}: total ${got.total}, reference ${ref.total}`);
  if (got.loss) {
    for (let i = 0; i < ref.loss.length; i++) {
      const want = ref.loss[i] === 0 ? 0 : ref.loss[i];
      if (!close(got.loss[i], want, d, ref.rowScale[i], 1e-12))
        expect.fail(`${what}: out[${i}] ${got.loss[i]}, reference ${want}`);
      if (got.loss[i] === 0 && Object.is(got.loss[i], -0))
        expect.fail(`${what}: out[${i}] is −0 (PyTorch's losses are +0)`);
    }
  }
  if (got.grad) {
    for (let i = 0; i < ref.grad.length; i++) {
      if (!close(got.grad[i], ref.grad[i], d, ref.gradScale[i] + 1e-300, 1e-12)) {
        expect.fail(`${what}: grad[${i}] ${got.grad[i]}, reference ${ref.grad[i]}`);
      }
      if (ref.grad[i] === 0 && got.grad[i] === 0 && Object.is(got.grad[i], -0) !== Object.is(ref.grad[i], -0)) {
        expect.fail(`${what}: grad[${i}] sign of zero ${Object.is(got.grad[i], -0) ? '−0' : '+0'}`);
      }
    }
  }
}

const results = new Map<string, Floats>();

describe('index_outside_i32', () => {
  for (const [name, b] of Object.entries(builds)) {
    it(`${name}: the first element outside [lo, hi), at every length and position`, () => {
      for (const n of LENGTHS) {
        for (const at of [-1, 0, n >> 1, n - 1]) {
          if (at >= n) continue;
          b.reset();
          const t = Int32Array.from({ length: n }, (_, i) => (i % 5) - 1); // in [−1, 4)
          if (at >= 0) t[at] = at % 2 ? 4 : -2;
          if (n > 3 && at >= 0 && at + 2 < n) t[at + 2] = -7; // a later bad one must not be reported
          const p = b.put(t, 4);
          expect(b.k.index_outside_i32(p, n, -1, 4), `n=${n} at=${at}`).toBe(at);
        }
      }
      b.reset();
      expect(b.k.index_outside_i32(b.put(Int32Array.of(-2147483648, 0)), 2, -1, 3)).toBe(0);
      expect(b.k.index_outside_i32(b.put(Int32Array.of(0, 1, 2, 2147483647)), 4, 0, 3)).toBe(3);
    });
  }
});

describe('nll_loss and nll_backward (gathered log-probabilities)', () => {
  for (const [name, b] of Object.entries(builds)) {
    for (const d of DTYPES) {
      it(`${name} ${d}: sums, per-position losses, the first bad target, and gradient values, at every length`, () => {
        const ctor = ctorOf(d),
          B = bytesOf(d);
        const r = mulberry(99);
        for (const n of LENGTHS) {
          for (const weighted of [false, true]) {
            for (const ignore of [-100, 2]) {
              b.reset();
              const C = 5;
              const v = ctor.from({ length: n }, (_, i) => (i % 9 === 4 ? -0 : -Math.round(r() * 40) / 8));
              const t = Int32Array.from({ length: n }, (_, i) => (i % 4 === 1 ? ignore : Math.floor(r() * C)));
              const w = weighted ? ctor.from({ length: C }, (_, i) => [0.5, 2, 0, -1, 1.5][i]) : null;
              const G = ctor.from({ length: n }, (_, i) => (i % 3) - 1);
              const pv = b.put(v, 4),
                pt = b.put(t),
                pw = w ? b.put(w) : 0,
                pg = b.put(G, 4);
              const out = reserveOut(b, n * B, 4),
                res = reserveOut(b, 16),
                gv = reserveOut(b, n * B, 4);
              const bad = b.k[`nll_loss_${d}`](pv, pt, pw, n, C, ignore, flag(b, 'NLL_WRITE_OUT'), out, res);
              expect(bad, `n=${n}`).toBe(-1);
              let sum = 0,
                sw = 0;
              const want: number[] = [];
              for (let i = 0; i < n; i++) {
                if (t[i] === ignore) {
                  want.push(0);
                  continue;
                }
                const wt = w ? w[t[i]] : 1;
                const l = -(v[i] * wt);
                want.push(l);
                sum += l;
                sw += wt;
              }
              const [gotSum, gotW] = b.read(Float64Array, res, 2);
              expect(Math.abs(gotSum - sum), `n=${n} sum`).toBeLessThanOrEqual(1e-12 * (Math.abs(sum) + n));
              expect(gotW, `n=${n} weights`).toBe(sw);
              expect(sameBits(b.read(ctor, out, n), ctor.from(want)), `n=${n} out`).toBe(-1);
              b.k[`nll_backward_${d}`](pt, pw, n, ignore, pg, 0, gv);
              const wantG = ctor.from({ length: n }, (_, i) => (t[i] === ignore ? 0 : -((w ? w[t[i]] : 1) * G[i])));
              expect(sameBits(b.read(ctor, gv, n), wantG), `n=${n} gradient`).toBe(-1);
              b.k[`nll_backward_${d}`](pt, pw, n, ignore, 0, -0.25, gv);
              const wantS = ctor.from({ length: n }, (_, i) => (t[i] === ignore ? 0 : -((w ? w[t[i]] : 1) * -0.25)));
              expect(sameBits(b.read(ctor, gv, n), wantS), `n=${n} gradient gs`).toBe(-1);
              expect(b.guardsIntact(out, n * B) && b.guardsIntact(gv, n * B), `n=${n} guards`).toBe(true);
              if (n > 0) {
                for (const at of [0, n >> 1, n - 1]) {
                  const tb = Int32Array.from(t);
                  tb[at] = at % 2 ? C : -3;
                  if (at + 1 < n) tb[at + 1] = 99; // a later bad one is not the one reported
                  b.reset();
                  expect(
                    b.k[`nll_loss_${d}`](b.put(v), b.put(tb), 0, n, C, ignore, 0, 0, reserveOut(b, 16)),
                    `n=${n} bad at ${at}`,
                  ).toBe(at);
                }
              }
            }
          }
        }
      });
    }
  }
});

describe('nll_loss_rows (whole rows) against nll_loss (gathered values)', () => {
  for (const [name, b] of Object.entries(builds)) {
    for (const d of DTYPES) {
      it(`${name} ${d}: the same sums, losses and first bad target, bit for bit, at every length`, () => {
        const ctor = ctorOf(d),
          B = bytesOf(d);
        const r = mulberry(7);
        for (const n of LENGTHS) {
          for (const C of [1, 3, 10, 16]) {
            for (const weighted of [false, true]) {
              const ignore = C > 2 ? 2 : -100;
              b.reset();
              const x = ctor.from({ length: n * C }, (_, i) => (i % 11 === 4 ? -0 : -r() * 9));
              const t = Int32Array.from({ length: n }, (_, i) => (i % 5 === 1 ? ignore : Math.floor(r() * C)));
              const w = weighted ? ctor.from({ length: C }, () => r() * 2 - 0.5) : null;
              const v = ctor.from({ length: n }, (_, p) => (t[p] >= 0 && t[p] < C ? x[p * C + t[p]] : 0));
              const px = b.put(x, 4),
                pv = b.put(v, 4),
                pt = b.put(t),
                pw = w ? b.put(w) : 0;
              const outR = reserveOut(b, n * B, 4),
                outG = reserveOut(b, n * B, 4),
                resR = reserveOut(b, 16),
                resG = reserveOut(b, 16);
              const f = flag(b, 'NLL_WRITE_OUT');
              expect(b.k[`nll_loss_rows_${d}`](px, pt, pw, n, C, ignore, f, outR, resR), `n=${n}`).toBe(-1);
              expect(b.k[`nll_loss_${d}`](pv, pt, pw, n, C, ignore, f, outG, resG)).toBe(-1);
              expect(sameBits(b.read(Float64Array, resR, 2), b.read(Float64Array, resG, 2)), `n=${n} C=${C}`).toBe(-1);
              expect(sameBits(b.read(ctor, outR, n), b.read(ctor, outG, n)), `n=${n} C=${C} out`).toBe(-1);
              expect(b.guardsIntact(outR, n * B), `n=${n} guards`).toBe(true);
              for (const at of n > 0 ? [0, n >> 1, n - 1] : []) {
                const tb = Int32Array.from(t);
                tb[at] = at % 2 ? C : -3;
                if (at + 1 < n) tb[at + 1] = 99; // a later bad one is not the one reported
                b.reset();
                expect(
                  b.k[`nll_loss_rows_${d}`](b.put(x), b.put(tb), 0, n, C, ignore, 0, 0, reserveOut(b, 16)),
                  `n=${n} bad at ${at}`,
                ).toBe(at);
              }
            }
          }
        }
      });
    }
  }
});

for (const d of DTYPES) {
  const ctor = ctorOf(d);
  const B = bytesOf(d);
  for (const C of LENGTHS) {
    const rows = C > 1000 ? 1 : 3;
    describe(`row kernels ${d} C=${C} (${rows} rows)`, () => {
      for (const [name, b] of Object.entries(builds)) {
        for (const misalign of [0, 4]) {
          const tag = `${name} ${d} C=${C} misalign=${misalign}`;
          if (C > 0) {
            it(`${name} misalign=${misalign}: multi_margin loss, backward and fused, p 1 and 2, weights`, () => {
              const r = mulberry(C * 7 + 1);
              for (const p of [1, 2]) {
                for (const weighted of [false, true]) {
                  for (const special of [false, true]) {
                    b.reset();
                    const x = scores(d, rows, C, r, special);
                    const t = Int32Array.from({ length: rows }, (_, i) => (i === 0 ? C - 1 : Math.floor(r() * C)));
                    const w = weighted ? ctor.from({ length: C }, (_, i) => (i % 3) - 0.5) : null;
                    const G = Array.from({ length: rows }, (_, i) => (i % 2 ? -1.5 : 0.75));
                    const margin = 0.75,
                      s = 1 / (rows * C);
                    const px = b.put(x, misalign),
                      pt = b.put(t),
                      pw = w ? b.put(w, misalign) : 0;
                    const out = reserveOut(b, rows * B, misalign),
                      res = reserveOut(b, 8),
                      gx = reserveOut(b, rows * C * B, misalign);
                    const pg = b.put(ctor.from(G), misalign);
                    b.k[`multi_margin_loss_${d}`](
                      px,
                      pt,
                      pw,
                      rows,
                      C,
                      p,
                      margin,
                      flag(b, 'MARGIN_WRITE_OUT'),
                      out,
                      res,
                    );
                    const loss = b.read(ctor, out, rows),
                      total = b.read(Float64Array, res, 1)[0];
                    b.k[`multi_margin_backward_${d}`](px, pt, pw, rows, C, p, margin, s, pg, 0, gx, 0);
                    const grad = b.read(ctor, gx, rows * C);
                    const ref = mmRef(x, t, w, rows, C, p, margin, s, G);
                    const what = `${tag} p=${p} w=${weighted} special=${special}`;
                    expectRows(what, { loss, total, grad }, ref, d);
                    expect(b.guardsIntact(out, rows * B) && b.guardsIntact(gx, rows * C * B), `${what}: guards`).toBe(
                      true,
                    );
                    // fused: the same gradient bits, and the loss sum
                    const gx2 = reserveOut(b, rows * C * B, misalign),
                      res2 = reserveOut(b, 8);
                    b.k[`multi_margin_backward_${d}`](px, pt, pw, rows, C, p, margin, s, pg, 0, gx2, res2);
                    expect(sameBits(b.read(ctor, gx2, rows * C), grad), `${what}: fused gradient`).toBe(-1);
                    expect(
                      close(b.read(Float64Array, res2, 1)[0], ref.total, 'f64', ref.scale),
                      `${what}: fused total`,
                    ).toBe(true);
                    // the scalar upstream gs for every row
                    const gx3 = reserveOut(b, rows * C * B, misalign);
                    b.k[`multi_margin_backward_${d}`](px, pt, pw, rows, C, p, margin, s, 0, -2, gx3, 0);
                    expectRows(
                      `${what} gs`,
                      { loss: null, total: ref.total, grad: b.read(ctor, gx3, rows * C) },
                      mmRef(
                        x,
                        t,
                        w,
                        rows,
                        C,
                        p,
                        margin,
                        s,
                        G.map(() => -2),
                      ),
                      d,
                    );
                    // per-element bits agree across builds (the target's element is a sum: compared by value above)
                    const key = `mm ${d} C=${C} p=${p} w=${weighted} s=${special} m=${misalign}`;
                    const masked = ctor.from(grad, (v, i) => (i % C === t[Math.floor(i / C)] ? 0 : v));
                    const prev = results.get(key);
                    if (prev) expect(sameBits(masked, prev), `${what}: builds differ`).toBe(-1);
                    else results.set(key, masked);
                  }
                }
              }
            });

            it(`${name} misalign=${misalign}: multilabel_margin loss, backward and fused`, () => {
              const r = mulberry(C * 11 + 3);
              for (const special of [false, true]) {
                b.reset();
                const x = scores(d, rows, C, r, special);
                // row 0: a few labels (one repeated) then −1 then more values; row 1: every class; row 2: none
                const t = new Int32Array(rows * C).fill(-1);
                const k0 = Math.min(C, 3);
                for (let k = 0; k < k0; k++) t[k] = (k * 7 + 1) % C;
                if (C > 4) {
                  t[k0] = t[0];
                  for (let k = k0 + 2; k < C; k++) t[k] = k % C;
                }
                if (rows > 1) for (let k = 0; k < C; k++) t[C + k] = C - 1 - k;
                const G = Array.from({ length: rows }, (_, i) => (i % 2 ? -0.5 : 2));
                const s = 1 / C;
                const px = b.put(x, misalign),
                  pt = b.put(t),
                  mark = reserveOut(b, 16 * C);
                const out = reserveOut(b, rows * B, misalign),
                  res = reserveOut(b, 8),
                  gx = reserveOut(b, rows * C * B, misalign);
                const pg = b.put(ctor.from(G), misalign);
                b.k[`multilabel_margin_loss_${d}`](px, pt, rows, C, mark, flag(b, 'MARGIN_WRITE_OUT'), out, res);
                const loss = b.read(ctor, out, rows),
                  total = b.read(Float64Array, res, 1)[0];
                b.k[`multilabel_margin_backward_${d}`](px, pt, rows, C, mark, s, pg, 0, gx, 0);
                const grad = b.read(ctor, gx, rows * C);
                const ref = mlmRef(x, t, rows, C, s, G);
                const what = `${tag} special=${special}`;
                expectRows(what, { loss, total, grad }, ref, d);
                expect(
                  b.guardsIntact(out, rows * B) && b.guardsIntact(gx, rows * C * B) && b.guardsIntact(mark, 16 * C),
                  `${what}: guards`,
                ).toBe(true);
                const gx2 = reserveOut(b, rows * C * B, misalign),
                  res2 = reserveOut(b, 8);
                b.k[`multilabel_margin_backward_${d}`](px, pt, rows, C, mark, s, pg, 0, gx2, res2);
                expect(sameBits(b.read(ctor, gx2, rows * C), grad), `${what}: fused gradient`).toBe(-1);
                expect(
                  close(b.read(Float64Array, res2, 1)[0], ref.total, 'f64', ref.scale),
                  `${what}: fused total`,
                ).toBe(true);
                const key = `mlm ${d} C=${C} s=${special} m=${misalign}`;
                const prev = results.get(key);
                if (prev) expect(sameBits(grad, prev), `${what}: builds differ`).toBe(-1);
                else results.set(key, grad);
              }
            });
          }

          if (C > 0)
            it(`${name} misalign=${misalign}: multilabel_soft_margin reduced total over runs of float32-tail elements`, () => {
              // Targets in [0, 1] and |x| ≤ 20: every element takes the float32 tail, so the unweighted float32
              // total runs whole vectors in its pipelined loop; then one element per row breaks the runs (y = 1.5).
              const r = mulberry(C * 29 + 3);
              for (const broken of [false, true]) {
                b.reset();
                const x = ctor.from({ length: rows * C }, () => (r() - 0.5) * 40);
                const y = ctor.from({ length: rows * C }, (_, i) =>
                  broken && i % C === C >> 1 ? 1.5 : Math.floor(r() * 9) / 8,
                );
                const px = b.put(x, misalign),
                  py = b.put(y, misalign),
                  res = reserveOut(b, 8);
                b.k[`multilabel_soft_margin_loss_${d}`](px, py, 0, 0, rows, C, 0, 0, res);
                const G = Array.from({ length: rows }, () => 1);
                const ref = mlsmRef(x, y, null, 0, rows, C, 1 / C, G, d);
                const total = b.read(Float64Array, res, 1)[0];
                if (!close(total, ref.total, 'f64', ref.scale, 1e-12))
                  expect.fail(`${tag} broken=${broken}: total ${total}, reference ${ref.total}`);
              }
            });

          it(`${name} misalign=${misalign}: multilabel_soft_margin loss, backward (both gradients) and fused`, () => {
            const r = mulberry(C * 13 + 5);
            for (const wMode of ['none', 'class', 'element'] as const) {
              for (const special of [false, true]) {
                b.reset();
                const x = ctor.from(scores(d, rows, C, r, special), (v, i) => (i % 7 === 3 ? v * 40 : v)); // some |x| > 100
                const y = ctor.from({ length: rows * C }, (_, i) => (i % 5 === 4 ? 1.5 : Math.floor(r() * 5) / 4));
                const wStride = wMode === 'element' ? C : 0;
                const w =
                  wMode === 'none'
                    ? null
                    : ctor.from({ length: wMode === 'class' ? C : rows * C }, (_, i) => 0.5 + (i % 4) / 2);
                const G = Array.from({ length: rows }, (_, i) => (i % 2 ? -1 : 0.5));
                const s = 1 / Math.max(C, 1);
                const px = b.put(x, misalign),
                  py = b.put(y, misalign),
                  pw = w ? b.put(w, misalign) : 0;
                const out = reserveOut(b, rows * B, misalign),
                  res = reserveOut(b, 8);
                const gx = reserveOut(b, rows * C * B, misalign),
                  gy = reserveOut(b, rows * C * B, misalign);
                const pg = b.put(ctor.from(G), misalign);
                b.k[`multilabel_soft_margin_loss_${d}`](
                  px,
                  py,
                  pw,
                  wStride,
                  rows,
                  C,
                  flag(b, 'MARGIN_WRITE_OUT'),
                  out,
                  res,
                );
                const loss = b.read(ctor, out, rows),
                  total = b.read(Float64Array, res, 1)[0];
                b.k[`multilabel_soft_margin_backward_${d}`](px, py, pw, wStride, rows, C, s, pg, 0, gx, gy, 0);
                const ref = mlsmRef(x, y, w, wStride, rows, C, s, G, d);
                const what = `${tag} w=${wMode} special=${special}`;
                // Without MARGIN_WRITE_OUT (a reduced loss): the same total (float32 unweighted: one flat pass).
                const res0 = reserveOut(b, 8);
                b.k[`multilabel_soft_margin_loss_${d}`](px, py, pw, wStride, rows, C, 0, 0, res0);
                const total0 = b.read(Float64Array, res0, 1)[0];
                if (C === 0) expect(total0, `${what}: total without out`).toBeNaN();
                else if (!close(total0, ref.total, 'f64', ref.scale, 1e-12))
                  expect.fail(`${what}: total without out ${total0}, reference ${ref.total}`);
                const gradX = b.read(ctor, gx, rows * C),
                  gradY = b.read(ctor, gy, rows * C);
                if (C === 0) {
                  expect([...loss].every(Number.isNaN), `${what}: 0/0 rows`).toBe(true);
                  expect(total).toBeNaN();
                } else {
                  expectRows(what, { loss, total, grad: gradX }, ref, d);
                  expectRows(
                    `${what} gy`,
                    { loss: null, total: ref.total, grad: gradY },
                    { ...ref, grad: ref.gy, gradScale: ref.gyScale },
                    d,
                  );
                }
                expect(
                  b.guardsIntact(out, rows * B) && b.guardsIntact(gx, rows * C * B) && b.guardsIntact(gy, rows * C * B),
                  `${what}: guards`,
                ).toBe(true);
                const gx2 = reserveOut(b, rows * C * B, misalign),
                  res2 = reserveOut(b, 8);
                b.k[`multilabel_soft_margin_backward_${d}`](px, py, pw, wStride, rows, C, s, pg, 0, gx2, 0, res2);
                expect(sameBits(b.read(ctor, gx2, rows * C), gradX), `${what}: fused gradient (no gy)`).toBe(-1);
                if (C > 0)
                  expect(
                    close(b.read(Float64Array, res2, 1)[0], ref.total, 'f64', ref.scale),
                    `${what}: fused total`,
                  ).toBe(true);
                const key = `mlsm ${d} C=${C} w=${wMode} s=${special} m=${misalign}`;
                const both = ctor.from([...gradX, ...gradY]);
                const prev = results.get(key);
                if (prev) expect(sameBits(both, prev), `${what}: builds differ`).toBe(-1);
                else results.set(key, both);
              }
            }
          });
        }
      }
    });
  }
}

describe('the classRows kernel family', () => {
  it('this file called every export of the family (helpers/builds.ts KERNEL_FAMILIES.classRows)', () => {
    expect(uncalled('classRows')).toEqual([]);
  });
});
