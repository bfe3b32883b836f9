// Node side of the runtime conformance: picks the sample of PyTorch fixture cases every runtime runs, and checks
// outcomes against PyTorch's expected values (the runtimes are then checked against Node bit for bit).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/index.js';
import type { CaseOutcome, FixtureCase, FixtureExpected, GradsOutcome, Outcome } from './conformance.js';
import { fixtureNumber } from './conformance.js';
import { accuracyViolation, decodeArg, gradViolations } from '../helpers/fixtures.js';
import type { ArgJson, NumberExpected, TensorExpected } from '../helpers/fixtures.js';

/** test/fixtures, or SIMDLOSS_FIXTURES when set (a directory of fixture JSON files). */
export const FIXTURE_DIR = process.env.SIMDLOSS_FIXTURES ?? fileURLToPath(new URL('../fixtures', import.meta.url));

/** Cases kept per (loss, dtype, result kind): the first and the last. */
const PER_GROUP = 2;
/** Error cases kept per (loss, error type). */
const ERRORS_PER_TYPE = 1;

function dtypeOf(c: FixtureCase): string {
  if (c.expected.kind !== 'error') return c.expected.dtype;
  const first = c.args[0] as { dtype?: string };
  return first?.dtype ?? 'float32';
}

/** All fixture cases, in file then case order. */
export function loadFixtureCases(dir = FIXTURE_DIR): FixtureCase[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  // Loss fixtures only: other fixture files (tensor printing) have cases without fn/cls.
  return files
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { cases?: FixtureCase[] }).cases ?? [])
    .filter((c) => typeof c.fn === 'string' && typeof c.cls === 'string' && Array.isArray(c.args) && c.expected);
}

/**
 * The sample: for every loss (fn) present, the first and last case of each (dtype, number|tensor) group, and the
 * first error case of each error type. Deterministic, so every runtime and every run sees the same cases.
 */
export function sampleCases(all: readonly FixtureCase[]): FixtureCase[] {
  const groups = new Map<string, FixtureCase[]>();
  for (const c of all) {
    const e = c.expected;
    const key = e.kind === 'error' ? `${c.fn}|error|${e.type}` : `${c.fn}|${dtypeOf(c)}|${e.kind}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const picked: FixtureCase[] = [];
  for (const [key, list] of groups) {
    const keep = key.includes('|error|') ? ERRORS_PER_TYPE : PER_GROUP;
    picked.push(...(list.length <= keep ? list : [list[0], list[list.length - 1]]));
  }
  return picked;
}

/** What the sample covers, for the test's assertions and its log line. */
export function coverage(cases: readonly FixtureCase[]): { losses: string[]; dtypes: string[]; errors: number } {
  const losses = [...new Set(cases.map((c) => c.fn))].sort();
  const dtypes = [...new Set(cases.filter((c) => c.expected.kind !== 'error').map(dtypeOf))].sort();
  return { losses, dtypes, errors: cases.filter((c) => c.expected.kind === 'error').length };
}

function bitsToNumber(bits: string): number {
  if (bits === 'nan') return NaN;
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 8; i++) view.setUint8(i, parseInt(bits.slice(2 * i, 2 * i + 2), 16));
  return view.getFloat64(0);
}

/** DESIGN.md §2's accuracy rule, shared with test/fixtures.test.ts. */
function violation(got: number, dtype: string, value: unknown, truth: unknown): string | undefined {
  const t = truth === undefined ? value : truth;
  return accuracyViolation(got, fixtureNumber(value), fixtureNumber(t), dtype as 'float32' | 'float64');
}

/** Problems with one outcome against PyTorch's expected result (empty when it conforms). */
export function checkAgainstFixture(expected: FixtureExpected, got: Outcome): string[] {
  if (expected.kind === 'error') {
    if (got.kind !== 'error') return [`expected ${expected.type}, got a ${got.kind}`];
    return got.type === expected.type ? [] : [`expected ${expected.type}, got ${got.type}: ${got.message}`];
  }
  if (got.kind === 'error') return [`expected a ${expected.kind}, got ${got.type}: ${got.message}`];
  if (expected.kind === 'number') {
    if (got.kind !== 'number') return [`expected a number, got a ${got.kind}`];
    const v = violation(bitsToNumber(got.bits), expected.dtype, expected.value, expected.truth);
    return v === undefined ? [] : [v];
  }
  if (got.kind !== 'tensor') return [`expected a tensor, got a ${got.kind}`];
  if (got.dtype !== expected.dtype) return [`dtype ${got.dtype}, PyTorch ${expected.dtype}`];
  if (JSON.stringify(got.shape) !== JSON.stringify(expected.shape)) {
    return [`shape [${got.shape}], PyTorch [${expected.shape}]`];
  }
  const problems: string[] = [];
  got.bits.forEach((b, i) => {
    const v = violation(bitsToNumber(b), expected.dtype, expected.data[i], expected.truth?.[i]);
    if (v !== undefined) problems.push(`[${i}] ${v}`);
  });
  return problems;
}

/** A Tensor holding the bits of a tensor outcome (float32 data is exact in float64 bits). */
function tensorOf(o: Extract<Outcome, { kind: 'tensor' }>): Tensor {
  const values = o.bits.map(bitsToNumber);
  const data = o.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  return new Tensor(data, o.shape, o.dtype as 'float32' | 'float64');
}

/**
 * Problems with gradients against PyTorch's `expected.grads`, by the rule of test/fixtures.test.ts
 * (`gradViolations`: per element, DESIGN.md §2's accuracy rule with a floor of the gradient's scale; null where
 * PyTorch has none; the argument's shape and dtype where PyTorch refused one).
 */
export function checkGradsAgainstFixture(c: FixtureCase, got: GradsOutcome): string[] {
  const expected = c.expected as unknown as NumberExpected | TensorExpected;
  if (got.kind === 'error') return [`expected gradients, got ${got.type}: ${got.message}`];
  const grads = got.grads.map((g) => (g === null ? null : tensorOf(g)));
  return gradViolations(
    grads,
    expected,
    c.args.map((a) => decodeArg(a as ArgJson)),
  );
}

/** Every problem of a case's outcomes against its fixture: F, nn, backward and valueAndGrad (empty: conforms). */
export function caseProblems(c: FixtureCase, outcome: CaseOutcome): string[] {
  const problems = [
    ...checkAgainstFixture(c.expected, outcome.functional).map((p) => `F: ${p}`),
    ...checkAgainstFixture(c.expected, outcome.module).map((p) => `nn: ${p}`),
  ];
  if (c.expected.kind === 'error') {
    const vg = outcome.valueAndGrad;
    if (!vg) problems.push('valueAndGrad: not run');
    else if (!('kind' in vg)) problems.push(`valueAndGrad: expected ${c.expected.type}, got a result`);
    else problems.push(...checkAgainstFixture(c.expected, vg).map((p) => `valueAndGrad: ${p}`));
    return problems;
  }
  if (c.expected.grads === undefined) return problems;
  if (!outcome.backward) problems.push('backward: not run');
  else problems.push(...checkGradsAgainstFixture(c, outcome.backward).map((p) => `backward: ${p}`));
  const vg = outcome.valueAndGrad;
  if (!vg) problems.push('valueAndGrad: not run');
  else if ('kind' in vg) problems.push(`valueAndGrad: ${vg.type}: ${vg.message}`);
  else {
    problems.push(...checkAgainstFixture(c.expected, vg.value).map((p) => `valueAndGrad value: ${p}`));
    problems.push(...checkGradsAgainstFixture(c, vg.grads).map((p) => `valueAndGrad grads: ${p}`));
  }
  return problems;
}
