// The CTC kernels (assembly/rows/ctc.ts) raw, in both test builds and the release binary: for target lengths around
// the f64x2 state pairs and frame counts up to 65537, the SIMD and the scalar build give the same bits (loss and
// every gradient element), the release binary the testing build's; the scaled, log-space and exact paths agree to
// their roundings; a wide dynamic range takes the log-space path's per-cell recomputation and still agrees with
// the exact path; the loss matches an independent float64 reference of the recursion; nothing is written outside
// the gradient rows. Lengths as in DESIGN §4 where they are lengths here: S ∈ {0, 1, 3, 4, 5, 15, 16, 17, 31, 33,
// 1000} labels, T = 65537 frames.
import { describe, expect, it } from 'vitest';
import { BUILDS, firstBitDifference, RawBuild, RELEASE, rng, uncalled } from './helpers/builds.js';

type DType = 'f32' | 'f64';

interface Sequence {
  T: number;
  C: number;
  lp: Float64Array;
  labels: Int32Array;
  blank: number;
}

function logSoftmaxRows(z: ArrayLike<number>, C: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let r = 0; r < z.length; r += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[r + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(z[r + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) out[r + c] = z[r + c] - lse;
  }
  return out;
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m === -Infinity ? -Infinity : m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
}

function sequence(seed: number, T: number, C: number, S: number, blank = 0): Sequence {
  const r = rng(seed);
  const z = Float64Array.from({ length: T * C }, () => (r() * 2 - 1) * 3);
  const labels = Int32Array.from({ length: S }, () => (blank + 1 + Math.floor(r() * (C - 1))) % C);
  if (S > 3) labels[2] = labels[1]; // a repeat: needs a blank between
  return { T, C, lp: logSoftmaxRows(z, C), labels, blank };
}

/** PyTorch's recursion in plain float64 (the loss only; every state of every frame). */
function referenceNll(q: Sequence): number {
  const S = q.labels.length,
    L = 2 * S + 1;
  const ext = Array.from({ length: L }, (_, s) => (s % 2 ? q.labels[(s - 1) / 2] : q.blank));
  let a = new Array<number>(L).fill(-Infinity);
  a[0] = q.lp[q.blank];
  if (S > 0) a[1] = q.lp[ext[1]];
  for (let t = 1; t < q.T; t++) {
    a = ext.map(
      (c, s) =>
        logSumExp([a[s], s > 0 ? a[s - 1] : -Infinity, s > 1 && ext[s] !== ext[s - 2] ? a[s - 2] : -Infinity]) +
        q.lp[t * q.C + c],
    );
  }
  return S === 0 ? -a[0] : -logSumExp([a[L - 1], a[L - 2]]);
}

interface Result {
  nll: number;
  grad: Float64Array;
  /** The gradient's raw bits, as the kernel wrote them (float32 or float64). */
  raw: Float32Array | Float64Array;
  guards: boolean;
}

/**
 * ctc_loss then ctc_backward on one sequence (upstream 0.75, two padding rows after T), lp at an odd offset from a
 * 16-byte boundary, the gradient poisoned first and its guard bytes checked after.
 */
function run(b: RawBuild, q: Sequence, dtype: DType, flags: number): Result {
  b.reset();
  const k = b.k;
  const S = q.labels.length;
  const keep = (b.raw.CTC_KEEP_ALPHA as WebAssembly.Global).value as number;
  const Arr = dtype === 'f64' ? Float64Array : Float32Array;
  const Tpad = q.T + 2;
  const lp = b.put(Arr.from(q.lp), dtype === 'f64' ? 8 : 4);
  const labels = b.put(q.labels.length ? q.labels : new Int32Array(1));
  const work = b.reserveBytes(k.ctc_work_bytes(q.T, S, q.C, keep));
  const gBytes = Tpad * q.C * Arr.BYTES_PER_ELEMENT;
  const grad = b.reserveBytes(gBytes, 4);
  b.poison(grad, gBytes);
  const nll = k[`ctc_loss_${dtype}`](lp, q.C, q.T, q.C, labels, S, q.blank, work, keep | flags);
  k[`ctc_backward_${dtype}`](lp, q.C, q.T, q.C, labels, S, q.blank, work, flags & ~keep, nll, 0.75, grad, q.C, Tpad);
  const raw = b.read(Arr, grad, Tpad * q.C);
  return { nll, grad: Float64Array.from(raw), raw, guards: b.guardsIntact(grad, gBytes) };
}

const [testing, scalar] = BUILDS.map((n) => new RawBuild(n));
const release = new RawBuild(RELEASE);
const flag = (name: string): number => (testing.raw[name] as WebAssembly.Global).value as number;
const EXACT = flag('CTC_EXACT'),
  LOGSPACE = flag('CTC_LOGSPACE'),
  ZERO_INFINITY = flag('CTC_ZERO_INFINITY');

function sameBits(a: Result, b: Result, what: string): void {
  expect(Object.is(a.nll, b.nll), `${what}: nll ${a.nll} vs ${b.nll}`).toBe(true);
  const d = firstBitDifference(a.raw, b.raw);
  expect(d, `${what}: gradient element ${d}: ${a.raw[d]} vs ${b.raw[d]}`).toBe(-1);
}

/** Gradients within `tol` of the largest element (NaN only against NaN). */
function gradsClose(a: Float64Array, b: Float64Array, tol: number): number {
  let scale = 0;
  for (const v of b) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return Array.from(a).findIndex(
    (v, i) => !(Object.is(v, b[i]) || Math.abs(v - b[i]) <= tol * (Math.abs(b[i]) + scale)),
  );
}

describe('CTC kernels: builds and paths', () => {
  const SHAPES: Array<[number, number, number]> = [
    [1, 3, 0],
    [1, 3, 1],
    [3, 4, 1],
    [5, 4, 3],
    [9, 5, 4],
    [12, 6, 5],
    [40, 7, 15],
    [40, 7, 16],
    [40, 7, 17],
    [70, 9, 31],
    [70, 9, 33],
    [1300, 12, 1000],
    [65537, 4, 3],
  ];
  for (const [T, C, S] of SHAPES) {
    for (const dtype of ['f64', 'f32'] as const) {
      it(`T=${T} C=${C} S=${S} ${dtype}`, () => {
        const q = sequence(T * 31 + S, T, C, S, S % 3 === 1 ? C - 1 : 0);
        const paths: Array<[string, number]> = [
          ['scaled', 0],
          ['log-space', LOGSPACE],
        ];
        if (T < 5000) paths.push(['exact', EXACT]); // PyTorch's loops: slow in a test at 65537 frames
        const results = new Map<string, Result>();
        for (const [name, flags] of paths) {
          const a = run(testing, q, dtype, flags),
            b = run(scalar, q, dtype, flags);
          sameBits(a, b, `${name}, testing vs testing-scalar`);
          expect(a.guards && b.guards, `${name}: guard bytes`).toBe(true);
          // Rows T and T + 1 (past the input length) are zeros.
          expect(
            a.grad.subarray(T * C).every((v) => Object.is(v, 0)),
            `${name}: padding rows`,
          ).toBe(true);
          results.set(name, a);
        }
        sameBits(run(release, q, dtype, 0), results.get('scaled')!, 'release vs testing');
        const ref = results.get('exact') ?? results.get('log-space')!;
        expect(Number.isFinite(ref.nll)).toBe(true);
        if (T <= 1300) {
          const want = referenceNll({ ...q, lp: dtype === 'f32' ? Float64Array.from(Float32Array.from(q.lp)) : q.lp });
          expect(
            Math.abs(ref.nll - want) <= 1e-13 * want + 8 * T * 2 ** -52,
            `reference ${want}, kernel ${ref.nll}`,
          ).toBe(true);
        }
        // The paths round differently at every frame: losses agree to 1e-13, gradients (through e^(… + nll)) to a
        // few ulp(nll) per frame, float32 to its rounding.
        const tol = dtype === 'f64' ? 1e-12 + Math.sqrt(T) * 4 * Math.abs(ref.nll) * 2 ** -52 : 2 ** -22;
        for (const [name, r] of results) {
          expect(
            Math.abs(r.nll - ref.nll) <= 1e-13 * Math.abs(ref.nll) + 8 * T * 2 ** -52,
            `${name} ${r.nll}, ${ref.nll}`,
          ).toBe(true);
          const bad = gradsClose(r.grad, ref.grad, tol);
          expect(bad, `${name}: gradient[${bad}] ${r.grad[bad]} vs ${ref.grad[bad]}`).toBe(-1);
        }
      });
    }
  }

  it("a wide dynamic range (states more than e^-667 below a frame's best): per-cell recomputation, exact result", () => {
    // Blanks dominate by hundreds of nats: the scaled path cannot hold the sequence, and the log-space path
    // recomputes the cells whose inputs are all far below the frame's best; both must match the exact path.
    const r = rng(7);
    const T = 60,
      C = 5;
    const z = Float64Array.from({ length: T * C }, (_, i) => (r() * 2 - 1) * 80 + (i % C === 0 ? 200 : 0));
    const q: Sequence = { T, C, lp: logSoftmaxRows(z, C), labels: Int32Array.of(1, 2, 3, 4, 1, 2, 3, 3), blank: 0 };
    for (const b of [testing, scalar]) {
      const a = run(b, q, 'f64', 0),
        e = run(b, q, 'f64', EXACT);
      expect(a.nll).toBeGreaterThan(500);
      expect(Math.abs(a.nll - e.nll) <= 1e-14 * e.nll, `${a.nll} vs ${e.nll}`).toBe(true);
      // The gradient carries e^(… + nll): nll's own rounding (ulp(nll) ≈ 1e-13 here) bounds the agreement.
      expect(gradsClose(a.grad, e.grad, 1e-11)).toBe(-1);
    }
    sameBits(run(testing, q, 'f64', 0), run(scalar, q, 'f64', 0), 'testing vs testing-scalar');
  });

  it('impossible alignments: +∞, a NaN gradient within the input length, or zeros with CTC_ZERO_INFINITY', () => {
    const q = sequence(3, 4, 5, 4); // four labels with a repeat: at least five frames
    for (const b of [testing, scalar]) {
      for (const flags of [0, LOGSPACE, EXACT]) {
        const a = run(b, q, 'f64', flags);
        expect(a.nll).toBe(Infinity);
        expect(a.grad.subarray(0, 4 * 5).every(Number.isNaN)).toBe(true);
        const z = run(b, q, 'f64', flags | ZERO_INFINITY);
        expect(z.grad.every((v) => Object.is(v, 0))).toBe(true);
      }
    }
  });

  it('−∞ and NaN log-probabilities: the band paths step aside where they must, as PyTorch spreads them', () => {
    const q = sequence(11, 8, 5, 3);
    const off = [1, 2, 3, 4].find((c) => !q.labels.includes(c))!;
    const minusInf = { ...q, lp: q.lp.slice() };
    minusInf.lp[2 * 5 + off] = -Infinity; // a class off the target: NaN gradient there, finite loss
    const nan = { ...q, lp: q.lp.slice() };
    nan.lp[3 * 5 + q.labels[0]] = NaN; // a label's: NaN loss
    for (const b of [testing, scalar]) {
      const a = run(b, minusInf, 'f64', 0),
        e = run(b, minusInf, 'f64', EXACT);
      expect(Number.isFinite(a.nll) && Math.abs(a.nll - e.nll) < 1e-13 * e.nll).toBe(true);
      expect(Number.isNaN(a.grad[2 * 5 + off]) && Number.isNaN(e.grad[2 * 5 + off])).toBe(true);
      expect(gradsClose(a.grad, e.grad, 1e-12)).toBe(-1);
      const n = run(b, nan, 'f64', 0);
      expect(Number.isNaN(n.nll)).toBe(true);
      expect(n.grad.subarray(0, 8 * 5).every(Number.isNaN)).toBe(true);
    }
  });
});

describe('coverage', () => {
  it('called every CTC kernel export of the test builds', () => {
    expect(uncalled('ctc')).toEqual([]);
  });
});
