// The elementwise losses of issue 10 (Huber, BCEWithLogits, KLDiv, PoissonNLL, GaussianNLL, SoftMargin) where the
// registry harness cannot say it: F.kl_div and nn.KLDivLoss disagreeing (PyTorch 1.13 numbers from
// test/fixtures/kl_div_functional.json), options JSON cannot hold (NaN, ±Infinity), warnings, gradient
// destinations of a reshaped var, and resident (alloc) arguments.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alloc, F, nn, type Tensor, tensor, valueAndGrad } from '../src/index.js';
import { accuracyViolation, decodeNumber, decodeTensor, loadFixture } from './helpers/fixtures.js';
import type { JsonNumber, TensorJson } from './helpers/fixtures.js';

interface Quirk {
  name: string;
  options: Record<string, unknown>;
  input: TensorJson;
  target: TensorJson;
  functional: { shape: number[]; data: JsonNumber[]; truth: JsonNumber[] };
  module: { shape: number[]; data: JsonNumber[]; truth: JsonNumber[] };
}

/** Every accuracy violation of a float32 result (number or Tensor) against PyTorch's value and its float64 truth. */
function violations(ours: number | Tensor, want: Quirk['functional']): string[] {
  const data = typeof ours === 'number' ? [ours] : Array.from(ours.data as Float32Array);
  const shape = typeof ours === 'number' ? [] : [...ours.shape];
  if (JSON.stringify(shape) !== JSON.stringify(want.shape)) return [`shape [${shape}], PyTorch [${want.shape}]`];
  return data.flatMap(
    (v, i) => accuracyViolation(v, decodeNumber(want.data[i]), decodeNumber(want.truth[i]), 'float32') ?? [],
  );
}

// First: warnings are emitted once per process (per test file here), and the cases below emit this one.
describe('KLDivLoss warnings', () => {
  afterEach(() => vi.restoreAllMocks());
  it("warns about 'mean' as PyTorch does: not for F with legacy flags, once for the default", () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const meanWarnings = (): number =>
      emitted.mock.calls.filter((c) => String(c[0]).startsWith("reduction: 'mean' divides")).length;
    F.klDiv([-1, -2], [0.5, 0.5], { sizeAverage: true });
    F.klDiv([-1, -2], [0.5, 0.5], { reduction: 'batchmean' });
    F.klDiv([-1, -2], [0.5, 0.5], { reduction: 'elementwise_mean' as never });
    expect(meanWarnings()).toBe(0);
    F.klDiv([-1, -2], [0.5, 0.5]);
    F.klDiv([-1, -2], [0.5, 0.5], { reduction: 'mean' });
    expect(meanWarnings()).toBe(1);
  });
});

describe("KLDivLoss: legacy flags with reduction 'batchmean' (F.kl_div and nn.KLDivLoss differ, as in PyTorch)", () => {
  const quirks = loadFixture<{ torch: string; cases: Quirk[] }>('kl_div_functional.json');
  it('are PyTorch 1.13 cases', () => {
    expect(quirks.torch).toMatch(/^1\.13/);
    expect(quirks.cases.length).toBeGreaterThan(3);
  });
  for (const q of quirks.cases) {
    it(`${q.name}: F divides the legacy result by input.size(0), nn does not`, () => {
      const x = decodeTensor(q.input),
        y = decodeTensor(q.target);
      const f = F.klDiv(x, y, q.options as never) as number | Tensor;
      const m = new nn.KLDivLoss(q.options as never).forward(x, y) as number | Tensor;
      expect(violations(f, q.functional).join('\n')).toBe('');
      expect(violations(m, q.module).join('\n')).toBe('');
      // and the gradients follow each one's divisor
      const g =
        q.functional.shape.length === 0 ? undefined : tensor(new Float32Array(x.numel()).fill(1), { shape: x.shape });
      const gf = valueAndGrad(F.klDiv, { gradOutput: g })(x, y, q.options as never).grads[0]!;
      const mod = new nn.KLDivLoss(q.options as never);
      mod.forward(x, y);
      const gm = mod.backward(g)[0]!;
      const ratio = x.shape[0];
      gf.data.forEach((v, i) => {
        expect(Number(v) * ratio).toBeCloseTo(Number(gm.data[i]), 6);
      });
    });
  }
});

describe('HuberLoss delta beyond JSON', () => {
  it('refuses NaN and -Infinity (PyTorch: "does not support non-positive values for delta")', () => {
    for (const delta of [NaN, -Infinity]) {
      expect(() => F.huberLoss([1, 2], [0, 0], { delta })).toThrow(RangeError);
      expect(() => new nn.HuberLoss({ delta })).toThrow(/^HuberLoss: delta must be positive \(got /);
    }
  });
  it('with delta = Infinity is half the squared error everywhere (PyTorch: z < inf)', () => {
    const x = tensor([1, -2, 300, 0.5], { dtype: 'float64' }),
      y = tensor([0, 1, -4, 0.5], { dtype: 'float64' });
    expect(F.huberLoss(x, y, { delta: Infinity, reduction: 'sum' })).toBe(F.mseLoss(x, y, { reduction: 'sum' }) / 2);
  });
});

describe('GaussianNLLLoss var without the last dimension', () => {
  it('writes the gradient of an (N) var for (N, D) input into an (N) destination', () => {
    const x = tensor(
        [
          [0, 1, 2],
          [1, 1, 1],
        ],
        { dtype: 'float64' },
      ),
      t = tensor(
        [
          [1, 1, 1],
          [0, 0, 0],
        ],
        { dtype: 'float64' },
      );
    const v = tensor([0.5, 2], { dtype: 'float64' });
    const into = [null, null, tensor(new Float64Array(2), { shape: [2], dtype: 'float64' })];
    const { grads } = valueAndGrad(F.gaussianNllLoss, { into })(x, t, v, { reduction: 'sum' });
    expect(grads[2]).toBe(into[2]);
    // ∂/∂v Σ_j 0.5·(log v + d_j²/v) = 0.5·(D/v − Σ d²/v²)
    expect(Array.from(grads[2]!.data as Float64Array)).toEqual([0.5 * (3 / 0.5 - 2 / 0.25), 0.5 * (3 / 2 - 3 / 4)]);
    const m = new nn.GaussianNLLLoss({ reduction: 'sum' });
    m.forward(x, t, v);
    expect(m.backward()[2]!.shape).toEqual([2]);
  });
});

describe('resident (alloc) arguments give the same bits as JS arrays', () => {
  const cases: Array<[string, (a: Tensor, b: Tensor) => number]> = [
    ['huberLoss', (a, b) => F.huberLoss(a, b, { delta: 0.5 })],
    ['softMarginLoss', (a, b) => F.softMarginLoss(a, b)],
    ['binaryCrossEntropyWithLogits', (a, b) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: [2] })],
    ['klDiv', (a, b) => F.klDiv(a, b, { reduction: 'batchmean' })],
    ['poissonNllLoss', (a, b) => F.poissonNllLoss(a, b, { full: true })],
  ];
  for (const [name, loss] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} ${dtype}`, () => {
        const n = 5000;
        const a = alloc([n], dtype),
          b = alloc([n], dtype);
        try {
          for (let i = 0; i < n; i++) {
            a.data[i] = Math.sin(i) * 3;
            b.data[i] =
              name === 'softMarginLoss'
                ? i % 2
                  ? 1
                  : -1
                : Math.abs(Math.cos(i)) * (name === 'poissonNllLoss' ? 4 : 1);
          }
          const copy = (t: Tensor): Tensor => tensor((t.data as Float64Array).slice(), { dtype });
          expect(loss(a, b)).toBe(loss(copy(a), copy(b)));
        } finally {
          a.free();
          b.free();
        }
      });
    }
  }
});
