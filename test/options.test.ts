// Options are strict, for every registered loss: the mistakes a user porting PyTorch code makes — snake_case
// keywords, typos, a weight passed positionally — are TypeErrors naming the key, with a hint, instead of being
// silently ignored (which gave the unsmoothed 1.5416 for `{ label_smoothing: 0.1 }` where torch gives 1.5050).
// Every error is followed by a valid call.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { F, nn, tensor } from '../src/index.js';
import { registry } from '../src/core/loss.js';
import { thrown } from './helpers/fixtures.js';

type AnyFn = (...args: unknown[]) => unknown;
type AnyClass = new (options?: unknown) => { forward: AnyFn };

/**
 * Arguments every registered loss accepts (2-D float input, a float target of its shape or class indices, a
 * positive third tensor of the input's shape for three-tensor losses such as GaussianNLL's var, and one ±1 per row
 * for CosineEmbedding's target).
 */
function argsFor(name: string, count: number): unknown[] {
  const x = tensor([
    [0.25, 0.5, 0.75],
    [0.125, 0.625, 0.375],
  ]);
  if (name === 'crossEntropy') return [x, tensor([1, 2], { dtype: 'int64' })];
  if (name === 'cosineEmbeddingLoss') return [x, x, tensor([1, -1])];
  const two = [
    x,
    tensor([
      [0, 1, 0.5],
      [1, 0.25, 0],
    ]),
  ];
  return count === 3
    ? [
        ...two,
        tensor([
          [1, 2, 0.5],
          [0.25, 1, 3],
        ]),
      ]
    : two;
}

/** An option key of the loss with a camelCase spelling (for the snake_case hint), or undefined when it has none. */
function camelKey(decl: (typeof registry)[number]): string | undefined {
  if (decl.reduction.legacy) return 'sizeAverage';
  return Object.keys(decl.options).find((k) => /[A-Z]/.test(k));
}

function errorOf(run: () => unknown): Error {
  const e = thrown(run);
  expect(e, 'expected an error').toBeInstanceOf(Error);
  return e as Error;
}

describe('strict options, every registered loss', () => {
  for (const decl of registry) {
    const fn = (F as unknown as Record<string, AnyFn>)[decl.name];
    const Cls = (nn as unknown as Record<string, AnyClass>)[decl.className];
    const args = decl.example?.() ?? argsFor(decl.name, decl.args.length);
    const valid = (): unknown => fn(...args);
    // The reduction when the loss has one (pairwiseDistance has none: then its longest option).
    const key =
      decl.reduction.option === false
        ? Object.keys(decl.options).reduce((a, b) => (b.length > a.length ? b : a))
        : 'reduction';
    const typo = key.slice(0, -2) + key.slice(-1);
    // A default reduction of 'none' (pairwiseDistance; torchvision's losses) gives a Tensor.
    const result = decl.reduction.option === false || decl.reduction.default === 'none' ? 'object' : 'number';

    it(`${decl.name}: an unknown key is a TypeError naming it, with the nearest option`, () => {
      const e = errorOf(() => fn(...args, { [typo]: 'sum' }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(new RegExp(`^${decl.name}: unknown option '${typo}'; did you mean '${key}'\\?`));
      expect(e.message).toContain(`(got "${typo}")`);
      expect(errorOf(() => new Cls({ [typo]: 'sum' })).message).toMatch(
        new RegExp(`^${decl.className}: unknown option '${typo}'`),
      );
      expect(typeof valid()).toBe(result);
    });

    const camel = camelKey(decl);
    const snake = camel?.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) ?? 'size_average';
    it(`${decl.name}: PyTorch's snake_case keywords are refused with their camelCase spelling`, () => {
      const e = errorOf(() => fn(...args, { [snake]: false }));
      expect(e).toBeInstanceOf(TypeError);
      // A loss without the legacy flags or camelCase options (HuberLoss, GaussianNLLLoss, pairwiseDistance) refuses
      // the key without the hint.
      expect(e.message).toContain(
        camel
          ? `unknown option '${snake}'; simdloss spells PyTorch's '${snake}' as '${camel}'`
          : `unknown option '${snake}'`,
      );
      expect(typeof valid()).toBe(result);
    });

    it(`${decl.name}: a tensor or array where the options belong is a TypeError (no positional weight)`, () => {
      for (const bad of [tensor([1, 2, 3]), new Float32Array(3), [1, 2, 3]]) {
        const e = errorOf(() => fn(...args, bad));
        expect(e).toBeInstanceOf(TypeError);
        expect(e.message).toMatch(
          new RegExp(`^${decl.name}: options must be an object: a tensor here is not taken as a weight`),
        );
      }
      expect(errorOf(() => fn(...args, {}, {})).message).toMatch(
        new RegExp(`^${decl.name}: expected ${decl.args.length} tensor arguments`),
      );
      expect(errorOf(() => fn(args[0])).message).toMatch(
        new RegExp(`^${decl.name}: expected ${decl.args.length} tensor arguments`),
      );
      expect(typeof valid()).toBe(result);
    });
  }
});

describe('the reported cases', () => {
  const x = tensor([
    [0.5, 0.2, 0.3],
    [0.1, 0.9, -0.4],
  ]);
  const y = tensor([1, 2], { dtype: 'int64' });
  it("{ label_smoothing: 0.1 } no longer gives the unsmoothed loss; { labelSmoothing: 0.1 } gives torch's", () => {
    expect(errorOf(() => F.crossEntropy(x, y, { label_smoothing: 0.1 } as never)).message).toContain(
      "as 'labelSmoothing'",
    );
    // torch 1.13: F.cross_entropy(x, y, label_smoothing=0.1) = 1.5050 (float32 .item(): 1.5049982070922852).
    expect(F.crossEntropy(x, y, { labelSmoothing: 0.1 })).toBeCloseTo(1.505, 4);
    expect(errorOf(() => new nn.CrossEntropyLoss({ ignore_index: 1 } as never)).message).toContain("as 'ignoreIndex'");
    expect(errorOf(() => F.crossEntropy(x, y, tensor([1, 2, 3]) as never))).toBeInstanceOf(TypeError);
    expect(errorOf(() => F.mseLoss([1, 2], [0, 0], { reducton: 'sum' } as never))).toBeInstanceOf(TypeError);
    // { size_average: false } meant reduction 'sum': torch gives 5.
    expect(F.mseLoss([1, 2], [0, 0], { sizeAverage: false })).toBe(5);
  });
});

describe("reduction: 'elementwise_mean'", () => {
  afterEach(() => vi.restoreAllMocks());
  it("is 'mean' with PyTorch's deprecation warning (once per process)", () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(F.mseLoss([0.5, 0.2], [1, 0], { reduction: 'elementwise_mean' as never })).toBe(
      F.mseLoss([0.5, 0.2], [1, 0]),
    );
    expect(F.l1Loss([0.5, 0.2], [1, 0], { reduction: 'elementwise_mean' as never })).toBe(F.l1Loss([0.5, 0.2], [1, 0]));
    const messages = emitted.mock.calls.map((c) => String(c[0]));
    expect(messages.filter((m) => m.includes("reduction='elementwise_mean' is deprecated"))).toHaveLength(1);
  });
});
