// CTCLoss beyond the PyTorch fixtures: its definition (fast-check: the loss of a one-label target is −log of the
// hand-computed sum over its alignments; for short inputs, the sum over every path that collapses to the target),
// memory that does not grow with N, resident operands, sequences in groups, and errors that name the sequence.
// The kernels themselves: test/ctc-kernels.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alloc, F, nn, tensor, valueAndGrad } from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { memoryBytes } from '../src/wasm/memory.js';
import { rng } from '../bench/lib/data.js';

/** log_softmax of each row of C values (float64). */
function logSoftmaxRows(z: number[], C: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < z.length; r += C) {
    const row = z.slice(r, r + C);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    for (const v of row) out.push(v - lse);
  }
  return out;
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** −log Σ over the alignments of a one-label target: frames [i, j] emit the label, the others the blank. */
function oneLabelNll(lp: number[], T: number, C: number, label: number, blank: number): number {
  const terms: number[] = [];
  for (let i = 0; i < T; i++) {
    for (let j = i; j < T; j++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += lp[t * C + (t >= i && t <= j ? label : blank)];
      terms.push(s);
    }
  }
  return -logSumExp(terms);
}

/** −log Σ over every path of T frames (classes 0 … C−1) that collapses to `target` (merge repeats, drop blanks). */
function bruteForceNll(lp: number[], T: number, C: number, target: number[], blank: number): number {
  const terms: number[] = [];
  const path = new Array<number>(T).fill(0);
  const visit = (t: number, s: number): void => {
    if (t === T) {
      const out: number[] = [];
      for (let k = 0; k < T; k++) if (path[k] !== blank && (k === 0 || path[k] !== path[k - 1])) out.push(path[k]);
      if (out.length === target.length && out.every((v, k) => v === target[k])) terms.push(s);
      return;
    }
    for (let c = 0; c < C; c++) {
      path[t] = c;
      visit(t + 1, s + lp[t * C + c]);
    }
  };
  visit(0, 0);
  return -logSumExp(terms);
}

describe('CTC loss against its definition (fast-check)', () => {
  const logits = (n: number) => fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: n, maxLength: n });

  it('a one-label target: −log of the sum over its alignments (float64 within 1e-12, float32 within 2 ulp)', () => {
    const input = fc
      .record({ T: fc.integer({ min: 1, max: 40 }), C: fc.integer({ min: 2, max: 7 }) })
      .chain(({ T, C }) =>
        fc.record({
          T: fc.constant(T),
          C: fc.constant(C),
          z: logits(T * C),
          blank: fc.integer({ min: 0, max: C - 1 }),
          offset: fc.integer({ min: 1, max: C - 1 }),
        }),
      );
    fc.assert(
      fc.property(input, ({ T, C, z, blank, offset }) => {
        const label = (blank + offset) % C;
        const lp = logSoftmaxRows(z, C);
        const want = oneLabelNll(lp, T, C, label, blank);
        const x64 = tensor(lp, { shape: [T, 1, C], dtype: 'float64' });
        const got = F.ctcLoss(x64, [[label]], [T], [1], { blank, reduction: 'sum' });
        expect(Math.abs(got - want) <= 1e-12 * Math.abs(want) + 8 * T * 2 ** -52, `float64: ${got} vs ${want}`).toBe(
          true,
        );
        // float32: the float32 inputs' exact value, rounded once.
        const lp32 = Array.from(Float32Array.from(lp));
        const want32 = Math.fround(oneLabelNll(lp32, T, C, label, blank));
        const got32 = F.ctcLoss(tensor(lp32, { shape: [T, C] }), [label], T, 1, { blank, reduction: 'sum' });
        expect(
          Math.abs(got32 - want32) <= 2 * 2 ** (Math.floor(Math.log2(Math.abs(want32))) - 23),
          `${got32} vs ${want32}`,
        ).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('short inputs: −log of the sum over every path that collapses to the target', () => {
    const input = fc
      .record({ T: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 2, max: 3 }) })
      .chain(({ T, C }) =>
        fc.record({
          T: fc.constant(T),
          C: fc.constant(C),
          z: logits(T * C),
          blank: fc.integer({ min: 0, max: C - 1 }),
          raw: fc.array(fc.integer({ min: 1, max: C - 1 }), { minLength: 0, maxLength: 4 }),
        }),
      );
    fc.assert(
      fc.property(input, ({ T, C, z, blank, raw }) => {
        const target = raw.map((v) => (blank + v) % C);
        const lp = logSoftmaxRows(z, C);
        const want = bruteForceNll(lp, T, C, target, blank);
        const got = F.ctcLoss(tensor(lp, { shape: [T, 1, C], dtype: 'float64' }), [target], [T], [target.length], {
          blank,
          reduction: 'sum',
        });
        // A small loss (one dominant alignment) is known only to about T·2^-52 absolute, in any float64 recursion
        // (log(1 + δ) per frame), the reference's included.
        const tol = 1e-12 * Math.abs(want) + 8 * T * 2 ** -52;
        expect(want === Infinity ? got === Infinity : Math.abs(got - want) <= tol, `${got} vs ${want}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The facade: memory, resident operands, errors

function batch(
  seed: number,
  T: number,
  N: number,
  C: number,
  S: number,
): { lp: Tensor; targets: Tensor; il: number[]; tl: number[] } {
  const r = rng(seed);
  const z = Array.from({ length: T * N * C }, () => (r() * 2 - 1) * 3);
  const lp = tensor(logSoftmaxRows(z, C), { shape: [T, N, C] });
  const targets = tensor(
    Array.from({ length: N * S }, () => 1 + Math.floor(r() * (C - 1))),
    { shape: [N, S], dtype: 'int64' },
  );
  const il = Array.from({ length: N }, (_, b) => T - (b % 3));
  const tl = Array.from({ length: N }, (_, b) => S - (b % 4));
  return { lp, targets, il, tl };
}

describe('CTCLoss through the facade', () => {
  it('uses the same working memory for N = 256 as for N = 16 (one sequence at a time, bounded groups)', () => {
    const one = batch(1, 200, 16, 32, 50);
    valueAndGrad(F.ctcLoss)(one.lp, one.targets, one.il, one.tl);
    const before = memoryBytes();
    const many = batch(2, 200, 256, 32, 50);
    valueAndGrad(F.ctcLoss)(many.lp, many.targets, many.il, many.tl);
    F.ctcLoss(many.lp, many.targets, many.il, many.tl);
    expect(memoryBytes()).toBe(before);
  });

  it('reads resident log-probabilities in place and writes a resident gradient, with the same bits', () => {
    const { lp, targets, il, tl } = batch(3, 30, 5, 6, 8);
    for (const dtype of ['float32', 'float64'] as const) {
      const x =
        dtype === 'float32' ? lp : tensor(Float64Array.from(lp.data as Float32Array), { shape: lp.shape, dtype });
      const resident = alloc(x.shape, dtype);
      resident.data.set(x.data as Float64Array);
      const into = alloc(x.shape, dtype);
      const plainRun = valueAndGrad(F.ctcLoss)(x, targets, il, tl, { reduction: 'sum' });
      const inPlace = valueAndGrad(F.ctcLoss, { into: [into] })(resident, targets, il, tl, { reduction: 'sum' });
      expect(inPlace.value).toBe(plainRun.value);
      expect(inPlace.grads[0]).toBe(into);
      expect(Array.from(into.data as Float64Array)).toEqual(Array.from(plainRun.grads[0]!.data as Float64Array));
      expect(F.ctcLoss(resident, targets, il, tl, { reduction: 'none' }).tolist()).toEqual(
        F.ctcLoss(x, targets, il, tl, { reduction: 'none' }).tolist(),
      );
      resident.free();
      into.free();
    }
  });

  it('gives the same losses and gradients sequence by sequence as in a batch (groups of the scratch)', () => {
    const { lp, targets, il, tl } = batch(4, 50, 23, 9, 12);
    const all = valueAndGrad(F.ctcLoss)(lp, targets, il, tl, { reduction: 'sum' });
    const g = all.grads[0]!.data as Float32Array;
    const [T, N, C] = lp.shape;
    let total = 0;
    for (let b = 0; b < N; b++) {
      const one = tensor(
        Array.from({ length: T * C }, (_, i) => (lp.data as Float32Array)[(Math.floor(i / C) * N + b) * C + (i % C)]),
        { shape: [T, 1, C] },
      );
      const r = valueAndGrad(F.ctcLoss)(
        one,
        [Array.from(targets.data as BigInt64Array, Number).slice(b * 12, b * 12 + 12)],
        [il[b]],
        [tl[b]],
        { reduction: 'sum' },
      );
      total += r.value;
      const gb = r.grads[0]!.data as Float32Array;
      for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) expect(g[(t * N + b) * C + c]).toBe(gb[t * C + c]);
    }
    expect(Math.abs(all.value - total)).toBeLessThan(1e-3);
  });

  it('names the sequence in RangeErrors PyTorch 1.13 does not raise', () => {
    const { lp, targets } = batch(5, 6, 3, 4, 2);
    expect(() => F.ctcLoss(lp, targets, [6, 0, 6], [2, 2, 2])).toThrow(
      /inputLengths must be at least 1 \(got 0 for sequence 1\)/,
    );
    expect(() => F.ctcLoss(lp, targets, [6, 6, 6], [2, 2, -1])).toThrow(
      /targetLengths must be ≥ 0 \(got -1 for sequence 2\)/,
    );
    expect(() =>
      F.ctcLoss(
        lp,
        [
          [1, 2],
          [3, 0],
          [1, 1],
        ],
        [6, 6, 6],
        [2, 2, 2],
      ),
    ).toThrow(
      /labels must be class indices in \[0, 4\) other than the blank 0 \(got 0 at targets\[1, 1\], sequence 1\)/,
    );
    expect(() => F.ctcLoss(lp, [1, 2, 3, 7], [6, 6, 6], [2, 1, 1])).toThrow(/\(got 7 at targets\[3\], sequence 2\)/);
    // Still usable afterwards.
    expect(Number.isFinite(F.ctcLoss(lp, targets, [6, 6, 6], [2, 2, 2]))).toBe(true);
  });

  it('nn.CTCLoss exposes its options and gives null gradients for targets and lengths', () => {
    const m = new nn.CTCLoss({ blank: 3, zeroInfinity: true, reduction: 'sum' });
    expect([m.blank, m.zeroInfinity, m.reduction]).toEqual([3, true, 'sum']);
    const { lp } = batch(6, 5, 2, 4, 2);
    m.forward(
      lp,
      [
        [1, 2],
        [2, 0],
      ],
      [5, 4],
      [2, 2],
    );
    const g = m.backward();
    expect(g.map((t) => (t === null ? null : t.shape))).toEqual([[5, 2, 4], null, null, null]);
  });
});
