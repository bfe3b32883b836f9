// The per-call fast paths of the pointwise losses (src/losses/pointwise.ts, src/wasm/stream.ts sumPair): two
// typed arrays, two Tensors, resident and host operands mixed, across chunk boundaries, must give what the
// general path gives (the float64 sum rounded once), and everything else must still reach the general path.
import { describe, expect, it } from 'vitest';
import { alloc, F, tensor } from '../src/index.js';
import { rng } from './helpers/builds.js';

const CHUNK_F32 = 16384 / 4; // src/wasm/memory.ts CHUNK_BYTES over float32
const LENGTHS = [0, 1, 5, CHUNK_F32 - 1, CHUNK_F32, CHUNK_F32 + 1, 3 * CHUNK_F32 + 7];

function data(n: number, seed: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor) {
  const r = rng(seed);
  const x = new Ctor(n);
  const y = new Ctor(n);
  for (let i = 0; i < n; i++) {
    x[i] = 4 * r() - 2;
    y[i] = 4 * r() - 2;
  }
  return { x, y };
}

/** Σ (x − y)² in float64 from the stored values; every term is exact or rounded once, so this is the reference. */
function sqSum(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - y[i]) ** 2;
  return s;
}

describe('pointwise fast paths', () => {
  for (const n of LENGTHS) {
    it(`typed arrays, Tensors, resident and mixed operands agree at n = ${n}`, () => {
      const { x, y } = data(n, n + 7, Float32Array);
      const want = Math.fround(sqSum(x, y) / n);
      const close = (got: number): void => {
        if (n === 0) expect(got).toBeNaN();
        // The kernel sums in another order than sqSum: within a few float64 ulps, so the float32 rounding agrees
        // unless the sum sits on a float32 rounding boundary; allow that one ulp.
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23);
      };
      close(F.mseLoss(x, y) as number);
      close(F.mseLoss(tensor(x), tensor(y)) as number);
      const rx = alloc([n]);
      const ry = alloc([n]);
      (rx.data as Float32Array).set(x);
      (ry.data as Float32Array).set(y);
      close(F.mseLoss(rx, ry) as number);
      close(F.mseLoss(rx, tensor(y)) as number);
      close(F.mseLoss(x, ry) as number);
      expect(F.mseLoss(x, y, { reduction: 'sum' })).toBe(F.mseLoss(rx, ry, { reduction: 'sum' }));
      rx.free();
      ry.free();
    });
  }

  it('float64 typed arrays stay float64', () => {
    const { x, y } = data(2 * CHUNK_F32 + 3, 11, Float64Array);
    const want = sqSum(x, y) / x.length;
    expect(Math.abs((F.mseLoss(x, y) as number) - want)).toBeLessThanOrEqual(want * 1e-14);
    let l1 = 0;
    for (let i = 0; i < x.length; i++) l1 += Math.abs(x[i] - y[i]);
    expect(Math.abs((F.l1Loss(x, y, { reduction: 'sum' }) as number) - l1)).toBeLessThanOrEqual(l1 * 1e-14);
  });

  it('leaves mixed dtypes, other lengths and shapes to the general path', () => {
    const x32 = new Float32Array([1, 2, 3]);
    // float32 with float64 promotes to float64, as in PyTorch.
    expect(F.mseLoss(x32, new Float64Array([2, 2, 4]))).toBe(2 / 3);
    // Lengths that do not broadcast are a RangeError with the usual message.
    expect(() => F.mseLoss(x32, new Float32Array(2))).toThrow(RangeError);
    expect(() => F.mseLoss(x32, new Float32Array(2))).toThrow(/^mseLoss: /);
    // Non-float typed arrays are a TypeError.
    expect(() => F.mseLoss(new Int32Array(3), new Int32Array(3))).toThrow(TypeError);
    // Same numel, different shapes: broadcasting [3] against [3, 1] gives [3, 3], not an elementwise pair.
    const t = tensor([1, 2, 3], { shape: [3, 1] });
    expect(F.mseLoss(tensor([1, 2, 3]), t, { reduction: 'sum' })).toBe(2 * (1 + 4 + 1));
  });

  it('SmoothL1 sums stay finite and exact-to-rounding for a huge beta (the sum kernels square min(|d|, β))', () => {
    const x = new Float64Array(21).map((_, i) => i * 1e150);
    const y = new Float64Array(21);
    for (const beta of [1e151, 1e200]) {
      let want = 0;
      for (let i = 0; i < x.length; i++) {
        const d = Math.abs(x[i] - y[i]);
        want += d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
      }
      const got = F.smoothL1Loss(x, y, { beta, reduction: 'sum' }) as number;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(want * 1e-14);
    }
  });

  it('a freed resident tensor is refused and the library stays usable', () => {
    const r = alloc([4]);
    r.free();
    expect(() => F.mseLoss(r, tensor([1, 2, 3, 4]))).toThrow(RangeError);
    expect(F.mseLoss(new Float32Array([1, 2]), new Float32Array([1, 4]))).toBe(2);
  });
  it('typed arrays of every two-operand elementwise loss take the fast path and give the Tensor path bits', () => {
    const n = 3 * CHUNK_F32 + 7;
    const { x, y } = data(n, 99, Float32Array) as { x: Float32Array; y: Float32Array };
    const p = x.map((v) => (v + 2) / 4); // in [0, 1] for BCE
    const bits = y.map((v) => (v < 0 ? 0 : 1));
    const T = (a: Float32Array) => tensor(a, { shape: [a.length] });
    const pairs: Array<[string, Float32Array, Float32Array, object?]> = [
      ['huberLoss', x, y, { delta: 0.5 }],
      ['binaryCrossEntropy', p, bits],
    ];
    const Fx = F as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [fn, a, b, o] of pairs) {
      for (const reduction of ['mean', 'sum'] as const) {
        const opts = { ...o, reduction };
        expect(Fx[fn](a, b, opts), fn).toBe(Fx[fn](T(a), T(b), opts));
      }
    }
    // BCE's range check still names the first bad element, here in the third chunk.
    const bad = p.slice();
    bad[2 * CHUNK_F32 + 3] = 1.5;
    expect(() => F.binaryCrossEntropy(bad, bits)).toThrow(
      new RangeError(
        `binaryCrossEntropy: input elements must be between 0 and 1 (got 1.5 at index ${2 * CHUNK_F32 + 3})`,
      ),
    );
  });
});
