// Reading the PyTorch fixtures written by test/fixtures/generate.py, and holding results and gradients to
// DESIGN's accuracy rule. The case schema is documented in the generator's docstring; in short:
//   case     = { name, fn, cls, args: T[], options?: { camelCase: value | T }, gradOutput?: number | T, expected }
//   T        = { dtype, shape, data } | { plain: nested array or number } | { typed: 'Float32Array' | ..., data }
//   expected = { kind: 'number', dtype, value, truth, grads?, gradErrors? }
//            | { kind: 'tensor', dtype, shape, data, truth, grads?, gradErrors? }
//            | { kind: 'error', type: 'RangeError' | 'TypeError', torch: string | null, note? }
//   grads    = one entry per arg: null (no gradient) or { dtype, shape, data, truth }
// Non-finite floats are the strings 'nan', 'inf', '-inf'; `truth` is PyTorch's result (or gradient) for the same
// inputs in float64.
import { readdirSync, readFileSync } from 'node:fs';
import { Tensor, tensor } from '../../src/index.js';
import type { DType } from '../../src/index.js';
import { ulp32 } from './ulp.js';

/** A JSON float: finite floats as numbers, the rest as strings. */
export type JsonNumber = number | 'nan' | 'inf' | '-inf';

export interface TensorJson {
  dtype: DType;
  shape: number[];
  data: JsonNumber[];
}
export interface PlainJson {
  plain: unknown;
}
export interface TypedJson {
  typed: 'Float32Array' | 'Float64Array' | 'Int32Array' | 'BigInt64Array';
  data: JsonNumber[];
}
export type ArgJson = TensorJson | PlainJson | TypedJson;

export interface GradJson {
  dtype: 'float32' | 'float64';
  shape: number[];
  data: JsonNumber[];
  truth: JsonNumber[];
}
interface WithGrads {
  grads?: (GradJson | null)[];
  /** Arguments (by index) whose gradient PyTorch refused to compute, with its exception. */
  gradErrors?: Record<string, string>;
}
export interface NumberExpected extends WithGrads {
  kind: 'number';
  dtype: 'float32' | 'float64';
  value: JsonNumber;
  truth: JsonNumber;
}
export interface TensorExpected extends WithGrads {
  kind: 'tensor';
  dtype: 'float32' | 'float64';
  shape: number[];
  data: JsonNumber[];
  truth: JsonNumber[];
}
export interface ErrorExpected {
  kind: 'error';
  type: 'RangeError' | 'TypeError';
  torch: string | null;
  note?: string;
}

export interface LossCase {
  name: string;
  fn: string;
  cls: string;
  args: ArgJson[];
  options?: Record<string, unknown>;
  gradOutput?: number | TensorJson;
  expected: NumberExpected | TensorExpected | ErrorExpected;
}

export interface LossFixture {
  torch: string;
  command: string;
  loss: string;
  cases: LossCase[];
}

export interface FormatCase {
  name: string;
  dtype: DType;
  shape: number[];
  data: JsonNumber[];
  str: string;
}
export interface FormatFixture {
  torch: string;
  command: string;
  cases: FormatCase[];
}

/** A fixture file from test/fixtures/. */
export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as T;
}

/** Every loss fixture file (those with cases naming a function), by file name. */
export function lossFixtures(): Map<string, LossFixture> {
  const dir = new URL('../fixtures/', import.meta.url);
  const out = new Map<string, LossFixture>();
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const fx = loadFixture<LossFixture & { cases?: { fn?: unknown }[] }>(f);
    if (Array.isArray(fx.cases) && fx.cases.length > 0 && typeof fx.cases[0].fn === 'string') out.set(f, fx);
  }
  return out;
}

export function decodeNumber(v: JsonNumber): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

function decodeNested(v: unknown): unknown {
  return Array.isArray(v) ? v.map(decodeNested) : decodeNumber(v as JsonNumber);
}

function isTensorJson(v: unknown): v is TensorJson {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}

/** A Tensor from its JSON (float32 data round-trips: the generator checked the decimals). */
export function decodeTensor(t: TensorJson): Tensor {
  return tensor(t.data.map(decodeNumber), { shape: t.shape, dtype: t.dtype });
}

/** A loss argument as the case says to pass it: a Tensor, a plain (nested) array or number, or a typed array. */
export function decodeArg(a: ArgJson): unknown {
  if ('plain' in a) return decodeNested(a.plain);
  if ('typed' in a) {
    const values = a.data.map(decodeNumber);
    switch (a.typed) {
      case 'Float32Array':
        return Float32Array.from(values);
      case 'Float64Array':
        return Float64Array.from(values);
      case 'Int32Array':
        return Int32Array.from(values);
      case 'BigInt64Array':
        return BigInt64Array.from(values.map((v) => BigInt(v)));
    }
  }
  return decodeTensor(a as TensorJson);
}

/** The options object with tensor-valued options (`weight`) decoded; undefined when the case gives none. */
export function decodeOptions(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (o === undefined) return undefined;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isTensorJson(v) ? decodeTensor(v) : v]));
}

/** The case's upstream gradient: a number, a Tensor, or undefined (the default 1). */
export function decodeGradOutput(g: LossCase['gradOutput']): number | Tensor | undefined {
  if (g === undefined || typeof g === 'number') return g;
  return decodeTensor(g);
}

/**
 * Slack on top of the float32 rule, relative to |truth|. `truth` is PyTorch's float64 result and ours a float64
 * accumulation; each is within a few·n·2⁻⁵³ (relative, for these sums of n ≤ 10⁵ terms) of the exact value, so
 * they can differ by ~10⁻¹¹ before rounding once to float32. 1e-12 relative covers the sums here and is four
 * orders below float32's ulp (6e-8).
 */
export const FLOAT32_SLACK = 1e-12;

/** Relative tolerance for float64 results (DESIGN §2), and the absolute floor near zero. */
export const FLOAT64_RTOL = 1e-12;
export const FLOAT64_ATOL = 1e-300;

/**
 * The absolute floor of the gradient rule, relative to the gradient's largest |element|: a float64 reference
 * computes elements such as softmax − 1 with cancellation, so it is itself only known to ~1e-16 of the tensor's
 * scale; two float64 computations differ there by a few 1e-16·scale. 1e-13·scale is three orders above that.
 */
export const GRAD_SCALE_FLOOR = 1e-13;

/**
 * Why `ours` breaks the accuracy rule, or undefined when it holds (DESIGN §2, revised 2026-12-01).
 * float64: |ours − torch| ≤ 1e-12·|torch| + atol, or the same against the float64 truth where PyTorch's float64
 * result was partly computed in float32. float32: ours is a float32 value and
 * |ours − truth| ≤ max(2 ulp32(truth), |torch32 − truth|) + 1e-12·|truth| + atol. NaN must be NaN; infinities exact;
 * where PyTorch's answer is an exact zero, ours must be a zero of the same sign.
 */
export function accuracyViolation(
  ours: number,
  torch: number,
  truth: number,
  dtype: 'float32' | 'float64',
  atol = 0,
): string | undefined {
  const show = `ours ${ours}, PyTorch ${torch}, float64 truth ${truth}`;
  if (typeof ours !== 'number') return `not a number: ${String(ours)}`;
  if (Number.isNaN(torch) || Number.isNaN(ours))
    return Number.isNaN(torch) && Number.isNaN(ours) ? undefined : `NaN mismatch: ${show}`;
  if (torch === 0 && ours === 0 && Object.is(torch, -0) !== Object.is(ours, -0)) {
    return `sign of zero: ours ${Object.is(ours, -0) ? '-0' : '+0'}, PyTorch ${Object.is(torch, -0) ? '-0' : '+0'}`;
  }
  if (dtype === 'float64') {
    if (!Number.isFinite(torch) || !Number.isFinite(ours))
      return ours === torch ? undefined : `infinity mismatch: ${show}`;
    // The truth differs from PyTorch's float64 value only where PyTorch computes part of a float64 result in
    // float32 (CrossEntropy of a float32 input with float64 probabilities runs log_softmax in float32); the
    // all-float64 answer is then as right as PyTorch's, and more accurate.
    const near = (ref: number): boolean => Math.abs(ours - ref) <= FLOAT64_RTOL * Math.abs(ref) + FLOAT64_ATOL + atol;
    return near(torch) || near(truth) ? undefined : `float64 off by ${Math.abs(ours - torch)}: ${show}`;
  }
  if (Math.fround(ours) !== ours) return `not a float32 value: ${show}`;
  // PyTorch's float32 value is written as its shortest float32 decimal: the value itself is that decimal rounded.
  torch = Math.fround(torch);
  if (Number.isNaN(truth)) return `PyTorch's float32 result is a number but its float64 truth is NaN: ${show}`;
  if (!Number.isFinite(truth) || !Number.isFinite(ours)) {
    // An overflow to ±Inf is right when it is the truth rounded once, or exactly PyTorch's own float32 answer.
    return ours === Math.fround(truth) || ours === torch ? undefined : `infinity mismatch: ${show}`;
  }
  const allowed = Math.max(Math.abs(torch - truth), 2 * ulp32(truth)) + FLOAT32_SLACK * Math.abs(truth) + atol;
  const err = Math.abs(ours - truth);
  return err <= allowed ? undefined : `float32 error ${err} > allowed ${allowed}: ${show}`;
}

function describeValue(v: unknown): string {
  if (v instanceof Tensor) return `Tensor ${v.dtype} [${v.shape.join(', ')}]`;
  return typeof v === 'object' ? String(v?.constructor?.name) : `${typeof v} ${String(v)}`;
}

/** Every violation of a tensor result (or gradient) against expected data (empty when it matches). */
function tensorViolations(
  result: unknown,
  e: { dtype: 'float32' | 'float64'; shape: number[]; data: JsonNumber[]; truth: JsonNumber[] },
  floorScale: number,
): string[] {
  if (!(result instanceof Tensor)) return [`expected a Tensor, got ${describeValue(result)}`];
  const out: string[] = [];
  if (result.dtype !== e.dtype) out.push(`dtype ${result.dtype}, expected ${e.dtype}`);
  if (JSON.stringify(result.shape) !== JSON.stringify(e.shape)) {
    out.push(`shape [${result.shape.join(', ')}], expected [${e.shape.join(', ')}]`);
  }
  if (out.length > 0) return out;
  let atol = 0;
  if (floorScale > 0) {
    for (const v of e.truth) {
      const x = Math.abs(decodeNumber(v));
      if (Number.isFinite(x)) atol = Math.max(atol, x);
    }
    atol *= floorScale;
  }
  const data = result.data;
  for (let i = 0; i < e.data.length; i++) {
    const v = accuracyViolation(Number(data[i]), decodeNumber(e.data[i]), decodeNumber(e.truth[i]), e.dtype, atol);
    if (v) out.push(`[${i}] ${v}`);
  }
  return out;
}

/** Every accuracy violation of a loss result against the expected number or tensor (empty when it matches). */
export function resultViolations(result: unknown, expected: NumberExpected | TensorExpected): string[] {
  if (expected.kind === 'number') {
    if (typeof result !== 'number') return [`expected a number, got ${describeValue(result)}`];
    const v = accuracyViolation(result, decodeNumber(expected.value), decodeNumber(expected.truth), expected.dtype);
    return v ? [v] : [];
  }
  return tensorViolations(result, expected, 0);
}

/**
 * Every violation of gradients against the case's expected grads: one per argument, null where PyTorch has none.
 * Where PyTorch refused to differentiate an argument (`gradErrors`, e.g. MSE's mixed float32/float64 backward)
 * simdloss gives a gradient anyway (documented); it is checked for the argument's shape and dtype here and for
 * its values by the finite-difference test.
 */
export function gradViolations(
  grads: unknown,
  expected: NumberExpected | TensorExpected,
  args: readonly unknown[],
): string[] {
  const want = expected.grads;
  if (!want) return [];
  if (!Array.isArray(grads)) return [`grads: expected an array, got ${describeValue(grads)}`];
  if (grads.length !== want.length) return [`grads: ${grads.length} entries, expected ${want.length}`];
  const out: string[] = [];
  want.forEach((w, i) => {
    const g = grads[i];
    if (expected.gradErrors?.[String(i)] !== undefined) {
      const arg = args[i];
      if (!(g instanceof Tensor))
        out.push(`grad ${i}: expected a Tensor (PyTorch refused: ${expected.gradErrors[String(i)]})`);
      else if (
        arg instanceof Tensor &&
        (g.dtype !== arg.dtype || JSON.stringify(g.shape) !== JSON.stringify(arg.shape))
      ) {
        out.push(`grad ${i}: ${describeValue(g)} for an argument ${describeValue(arg)}`);
      }
      return;
    }
    if (w === null) {
      if (g !== null) out.push(`grad ${i}: expected null, got ${describeValue(g)}`);
      return;
    }
    for (const v of tensorViolations(g, w, GRAD_SCALE_FLOOR)) out.push(`grad ${i} ${v}`);
  });
  return out;
}

/** Whatever `run` throws, or undefined. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}
