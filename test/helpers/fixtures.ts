// Reading the PyTorch fixtures written by test/fixtures/generate.py, and holding results to DESIGN.md's accuracy
// rule. The case schema is documented at the top of the generator; in short:
//   case     = { name, fn, cls, args: T[], options?: { camelCase: value | T }, expected }
//   T        = { dtype, shape, data } | { plain: nested array or number } | { typed: 'Float32Array' | ..., data }
//   expected = { kind: 'number', dtype, value, truth } | { kind: 'tensor', dtype, shape, data, truth }
//            | { kind: 'error', type: 'RangeError' | 'TypeError', torch: string | null, note? }
// Non-finite floats are the strings 'nan', 'inf', '-inf'; `truth` is PyTorch's float64 result for the same inputs.
import { readFileSync } from 'node:fs';
import { Tensor, tensor } from '../../src/index.js';
import type { DType } from '../../src/index.js';

/** A JSON float: finite floats as numbers, the rest as strings. */
export type JsonNumber = number | 'nan' | 'inf' | '-inf';

export interface TensorJson { dtype: DType; shape: number[]; data: JsonNumber[] }
export interface PlainJson { plain: unknown }
export interface TypedJson { typed: 'Float32Array' | 'Float64Array' | 'Int32Array' | 'BigInt64Array'; data: JsonNumber[] }
export type ArgJson = TensorJson | PlainJson | TypedJson;

export interface NumberExpected { kind: 'number'; dtype: 'float32' | 'float64'; value: JsonNumber; truth: JsonNumber }
export interface TensorExpected {
  kind: 'tensor'; dtype: 'float32' | 'float64'; shape: number[]; data: JsonNumber[]; truth: JsonNumber[];
}
export interface ErrorExpected { kind: 'error'; type: 'RangeError' | 'TypeError'; torch: string | null; note?: string }

export interface LossCase {
  name: string;
  fn: string;
  cls: string;
  args: ArgJson[];
  options?: Record<string, unknown>;
  expected: NumberExpected | TensorExpected | ErrorExpected;
}

export interface LossFixture { torch: string; command: string; loss: string; cases: LossCase[] }

export interface FormatCase { name: string; dtype: DType; shape: number[]; data: JsonNumber[]; str: string }
export interface FormatFixture { torch: string; command: string; cases: FormatCase[] }

/** A fixture file from test/fixtures/. */
export function loadFixture<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as T;
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
      case 'Float32Array': return Float32Array.from(values);
      case 'Float64Array': return Float64Array.from(values);
      case 'Int32Array': return Int32Array.from(values);
      case 'BigInt64Array': return BigInt64Array.from(values.map((v) => BigInt(v)));
    }
  }
  return decodeTensor(a as TensorJson);
}

/** The options object with tensor-valued options (`weight`) decoded; undefined when the case gives none. */
export function decodeOptions(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (o === undefined) return undefined;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isTensorJson(v) ? decodeTensor(v) : v]));
}

/** Half the spacing of float32 around `x` (the larger side, so a value at a power of two is covered). */
export function halfUlp32(x: number): number {
  const f = Math.abs(Math.fround(x));
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0];
  const up = new Float32Array(new Uint32Array([bits + 1]).buffer)[0];
  const down = bits === 0 ? 0 : new Float32Array(new Uint32Array([bits - 1]).buffer)[0];
  const spacing = Math.max(up - f, f - down);
  return Number.isFinite(spacing) ? spacing / 2 : Infinity;
}

/**
 * Slack on top of the float32 rule, relative to |truth|. `truth` is PyTorch's float64 result and ours is a
 * float64 accumulation; each is within a few·n·2⁻⁵³ (relative, for these non-cancelling sums of n ≤ 1000 terms) of
 * the exact value, so they can differ by ~2·10⁻¹³ before rounding once to float32, and that difference can carry
 * a result across a float32 rounding boundary. 1e-12 covers it and is 5 orders below float32's half-ulp (3e-8).
 */
export const FLOAT32_SLACK = 1e-12;

/** Relative tolerance for float64 results (DESIGN.md §2), and the absolute floor near zero. */
export const FLOAT64_RTOL = 1e-12;
export const FLOAT64_ATOL = 1e-300;

/**
 * Why `ours` breaks the accuracy rule, or undefined when it holds.
 * float64: |ours − torch| ≤ 1e-12·|torch| (+1e-300), or the same against the float64 truth where PyTorch's float64
 * result was partly computed in float32. float32: ours is a float32 value and
 * |ours − truth| ≤ max(|torch32 − truth|, ½ulp32(truth)) + 1e-12·|truth|. NaN must be NaN; infinities exact.
 */
export function accuracyViolation(ours: number, torch: number, truth: number, dtype: 'float32' | 'float64'): string | undefined {
  const show = `ours ${ours}, PyTorch ${torch}, float64 truth ${truth}`;
  if (typeof ours !== 'number') return `not a number: ${String(ours)}`;
  if (Number.isNaN(torch) || Number.isNaN(ours)) return Number.isNaN(torch) && Number.isNaN(ours) ? undefined : `NaN mismatch: ${show}`;
  if (dtype === 'float64') {
    if (!Number.isFinite(torch) || !Number.isFinite(ours)) return ours === torch ? undefined : `infinity mismatch: ${show}`;
    // The truth differs from PyTorch's float64 value only where PyTorch computes part of a float64 result in
    // float32 (CrossEntropy of a float32 input with float64 probabilities runs log_softmax in float32); the
    // all-float64 answer is then as right as PyTorch's, and more accurate.
    const near = (ref: number): boolean => Math.abs(ours - ref) <= FLOAT64_RTOL * Math.abs(ref) + FLOAT64_ATOL;
    return near(torch) || near(truth) ? undefined : `float64 off by ${Math.abs(ours - torch)}: ${show}`;
  }
  if (Math.fround(ours) !== ours) return `not a float32 value: ${show}`;
  if (Number.isNaN(truth)) return `PyTorch's float32 result is a number but its float64 truth is NaN: ${show}`;
  if (!Number.isFinite(truth) || !Number.isFinite(ours)) {
    // An overflow to ±Inf is right when it is the truth rounded once, or exactly PyTorch's own float32 answer.
    return ours === Math.fround(truth) || ours === torch ? undefined : `infinity mismatch: ${show}`;
  }
  const allowed = Math.max(Math.abs(torch - truth), halfUlp32(truth)) + FLOAT32_SLACK * Math.abs(truth);
  const err = Math.abs(ours - truth);
  return err <= allowed ? undefined : `float32 error ${err} > allowed ${allowed}: ${show}`;
}

/** Every accuracy violation of a loss result against the expected number or tensor (empty when it matches). */
export function resultViolations(result: unknown, expected: NumberExpected | TensorExpected): string[] {
  if (expected.kind === 'number') {
    if (typeof result !== 'number') return [`expected a number, got ${describeValue(result)}`];
    const v = accuracyViolation(result, decodeNumber(expected.value), decodeNumber(expected.truth), expected.dtype);
    return v ? [v] : [];
  }
  if (!(result instanceof Tensor)) return [`expected a Tensor, got ${describeValue(result)}`];
  const out: string[] = [];
  if (result.dtype !== expected.dtype) out.push(`dtype ${result.dtype}, expected ${expected.dtype}`);
  if (JSON.stringify(result.shape) !== JSON.stringify(expected.shape)) {
    out.push(`shape [${result.shape.join(', ')}], expected [${expected.shape.join(', ')}]`);
  }
  if (out.length > 0) return out;
  const data = result.data;
  for (let i = 0; i < expected.data.length; i++) {
    const v = accuracyViolation(Number(data[i]), decodeNumber(expected.data[i]), decodeNumber(expected.truth[i]), expected.dtype);
    if (v) out.push(`[${i}] ${v}`);
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v instanceof Tensor) return `Tensor ${v.dtype} [${v.shape.join(', ')}]`;
  return typeof v === 'object' ? String(v?.constructor?.name) : `${typeof v} ${String(v)}`;
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
