// Every registered loss against PyTorch 1.13, driven by the loss registry. The fixtures come from
// test/fixtures/generate.py (case schema in its docstring and in test/helpers/fixtures.ts). Each case runs through
// `F[fn](...args, options)`, `new nn[cls](options).forward(...args)` then `.backward(gradOutput)`, and
// `valueAndGrad(F[fn], { gradOutput })(...args, options)`, each with freshly decoded arguments; values and
// gradients are held to DESIGN §2's accuracy rule. Error cases check the JS class and message through F, nn and
// valueAndGrad, then make a valid call to show the library is still usable.
import { describe, expect, it } from 'vitest';
import { F, nn, valueAndGrad } from '../src/index.js';
import { registry } from '../src/core/loss.js';
import { ulp32 } from './helpers/ulp.js';
import {
  accuracyViolation,
  decodeArg,
  decodeGradOutput,
  decodeOptions,
  gradViolations,
  lossFixtures,
  resultViolations,
  thrown,
} from './helpers/fixtures.js';
import type { ErrorExpected, LossCase, NumberExpected, TensorExpected } from './helpers/fixtures.js';

type AnyFn = (...args: unknown[]) => unknown;
type AnyModule = { forward: AnyFn; backward: (g?: unknown) => unknown };
type AnyClass = new (options?: unknown) => AnyModule;

const fixtures = lossFixtures();
const casesByFn = new Map<string, LossCase[]>();
for (const fx of fixtures.values()) {
  for (const c of fx.cases) casesByFn.set(c.fn, [...(casesByFn.get(c.fn) ?? []), c]);
}

function functional(name: string): AnyFn {
  return (F as unknown as Record<string, AnyFn>)[name];
}

function moduleClass(name: string): AnyClass {
  return (nn as unknown as Record<string, AnyClass>)[name];
}

interface Run {
  /** The loss value. */
  value: unknown;
  /** Gradients, for the callers that produce them. */
  grads?: unknown;
  /** The decoded arguments the call used. */
  args: unknown[];
}

/** Error cases, and valid cases with torch.autograd gradients, take the gradient paths. */
function hasGrads(c: LossCase): boolean {
  return c.expected.kind === 'error' || c.expected.grads !== undefined;
}

/** The ways to call a case, each with freshly decoded arguments (a call must not depend on another's). */
function callers(c: LossCase): Array<[string, () => Run]> {
  const fn = functional(c.fn);
  const Cls = moduleClass(c.cls);
  const withOptions = (args: unknown[]): unknown[] => {
    const options = decodeOptions(c.options);
    return options === undefined ? args : [...args, options];
  };
  return [
    [
      `F.${c.fn}`,
      () => {
        const args = c.args.map(decodeArg);
        return { value: fn(...withOptions(args)), args };
      },
    ],
    [
      `nn.${c.cls}`,
      () => {
        const options = decodeOptions(c.options);
        const m = options === undefined ? new Cls() : new Cls(options);
        const args = c.args.map(decodeArg);
        const value = m.forward(...args);
        // Large cases may carry no gradients (the generator's "grads absent = not checked").
        if (!hasGrads(c)) return { value, args };
        const g = decodeGradOutput(c.gradOutput);
        return { value, grads: g === undefined ? m.backward() : m.backward(g), args };
      },
    ],
    [
      `valueAndGrad(F.${c.fn})`,
      () => {
        const args = c.args.map(decodeArg);
        if (!hasGrads(c)) return { value: fn(...withOptions(args)), args };
        const r = valueAndGrad(fn as never, { gradOutput: decodeGradOutput(c.gradOutput) })(
          ...(withOptions(args) as []),
        );
        return { value: r.value, grads: r.grads, args };
      },
    ],
  ];
}

/** `crossEntropy:` for F and valueAndGrad; `CrossEntropyLoss:` or `CrossEntropyLoss.forward:` for nn. */
function messagePrefix(c: LossCase, via: string): RegExp {
  return via.startsWith('nn.') ? new RegExp(`^${c.cls}(\\.forward)?: `) : new RegExp(`^${c.fn}: `);
}

function checkValid(c: LossCase, via: string, r: Run): void {
  const expected = c.expected as NumberExpected | TensorExpected;
  // Joined into one string so a failure prints every violating element, not `[ Array(1) ]`.
  expect(resultViolations(r.value, expected).join('\n'), `${via}: ${c.name}`).toBe('');
  if (r.grads !== undefined)
    expect(gradViolations(r.grads, expected, r.args).join('\n'), `${via} gradients: ${c.name}`).toBe('');
}

function checkError(
  c: LossCase,
  expected: ErrorExpected,
  via: string,
  run: () => Run,
  valid: LossCase | undefined,
): void {
  const err = thrown(run);
  expect(err, `${via} should throw ${expected.type} (PyTorch: ${expected.torch ?? expected.note})`).toBeInstanceOf(
    Error,
  );
  const e = err as Error;
  expect(e.name, `${via} threw ${e.name}: ${e.message}`).toBe(expected.type);
  expect(e.message, `${via} message`).toMatch(messagePrefix(c, via));
  expect(e.message, `${via} message`).toContain('(got ');
  // The library stays usable: a valid call of the same loss right after gives PyTorch's answer.
  if (valid) {
    const [, runValid] = callers(valid).find(([name]) => name.split('.')[0] === via.split('.')[0])!;
    checkValid(valid, `${via} valid call after the error (${valid.name})`, runValid());
  }
}

describe('the loss registry and the fixtures', () => {
  it('has PyTorch 1.13 fixture cases for every registered loss, and a registered loss for every fixture', () => {
    expect(registry.length).toBeGreaterThan(0);
    for (const fx of fixtures.values()) expect(fx.torch).toMatch(/^1\.13/);
    const registered = new Set(registry.map((d) => d.name));
    for (const d of registry) {
      expect(casesByFn.get(d.name)?.length ?? 0, `fixture cases for ${d.name}`).toBeGreaterThan(0);
      expect(typeof functional(d.name), `F.${d.name}`).toBe('function');
      expect(typeof moduleClass(d.className), `nn.${d.className}`).toBe('function');
    }
    for (const fn of casesByFn.keys())
      expect(registered.has(fn), `fixtures for ${fn} but no such registered loss`).toBe(true);
  });
  it('checks gradients: every valid case with a gradient to take carries torch.autograd grads', () => {
    for (const [fn, cases] of casesByFn) {
      const valid = cases.filter((c) => c.expected.kind !== 'error');
      const withGrads = valid.filter((c) => (c.expected as NumberExpected).grads !== undefined);
      expect(withGrads.length, `${fn}: cases with grads`).toBeGreaterThan(valid.length / 2);
    }
  });
});

for (const decl of registry) {
  const cases = casesByFn.get(decl.name) ?? [];
  const valid = cases.find((c) => c.expected.kind !== 'error');
  describe(`${decl.className} (F.${decl.name}) against PyTorch`, () => {
    for (const c of cases) {
      it(c.name, () => {
        for (const [via, run] of callers(c)) {
          if (c.expected.kind === 'error') checkError(c, c.expected, via, run, valid);
          else checkValid(c, via, run());
        }
      });
    }
  });
}

// The harness itself must be able to fail: the rule rejects results beyond its bounds, of the wrong sign of
// zero, dtype or shape.
describe('the fixture accuracy rule', () => {
  const third = 1 / 3;
  const third32 = Math.fround(third);
  const up = (x: number, k = 1): number => {
    const bits = new Uint32Array(new Float32Array([x]).buffer);
    bits[0] += k;
    return new Float32Array(bits.buffer)[0];
  };
  it('accepts float32 results within 2 ulp of the truth, and rejects 2.2 ulp when PyTorch is closer', () => {
    expect(accuracyViolation(third32, third32, third, 'float32')).toBeUndefined();
    expect(accuracyViolation(up(third32, 1), third32, third, 'float32')).toBeUndefined();
    expect(accuracyViolation(up(third32, 2), third32, third, 'float32')).toMatch(/float32 error/);
  });
  it('allows as much error as PyTorch float32 has, no more', () => {
    const torch32 = up(third32, 5);
    expect(accuracyViolation(up(third32, 5), torch32, third, 'float32')).toBeUndefined();
    expect(accuracyViolation(up(third32, 6), torch32, third, 'float32')).toMatch(/float32 error/);
    expect(2 * ulp32(third)).toBeLessThan(torch32 - third);
  });
  it('requires float32 results to be float32 values', () => {
    expect(accuracyViolation(third, third32, third, 'float32')).toMatch(/not a float32 value/);
  });
  it('holds float64 results to 1e-12 relative', () => {
    expect(accuracyViolation(third * (1 + 1e-13), third, third, 'float64')).toBeUndefined();
    expect(accuracyViolation(third * (1 + 1e-11), third, third, 'float64')).toMatch(/float64 off/);
  });
  it('requires the sign of an exact zero, NaN for NaN and equal infinities', () => {
    expect(accuracyViolation(0, -0, 0, 'float32')).toMatch(/sign of zero/);
    expect(accuracyViolation(-0, -0, 0, 'float64')).toBeUndefined();
    expect(accuracyViolation(NaN, NaN, NaN, 'float32')).toBeUndefined();
    expect(accuracyViolation(0, NaN, NaN, 'float64')).toMatch(/NaN/);
    expect(accuracyViolation(Infinity, Infinity, Infinity, 'float64')).toBeUndefined();
    expect(accuracyViolation(-Infinity, Infinity, Infinity, 'float32')).toMatch(/infinity/);
  });
  it('checks gradients element by element, with null where PyTorch has none', () => {
    const expected: NumberExpected = {
      kind: 'number',
      dtype: 'float64',
      value: 1,
      truth: 1,
      grads: [{ dtype: 'float64', shape: [2], data: [1, 2], truth: [1, 2] }, null],
    };
    const g = (data: number[]) => [decodeArg({ dtype: 'float64', shape: [2], data }), null];
    expect(gradViolations(g([1, 2]), expected, [])).toEqual([]);
    expect(gradViolations(g([1, 2.001]), expected, [])).toHaveLength(1);
    expect(gradViolations([g([1, 2])[0], g([1, 2])[0]], expected, [])).toHaveLength(1);
    expect(gradViolations([g([1, 2])[0]], expected, [])).toHaveLength(1);
  });
});
