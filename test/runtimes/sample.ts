// Node side of the runtime conformance: picks the sample of PyTorch fixture cases every runtime runs, and checks
// outcomes against PyTorch's expected values (the runtimes are then checked against Node bit for bit).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FixtureCase, FixtureExpected, Outcome } from './conformance.js';
import { fixtureNumber } from './conformance.js';
import { accuracyViolation } from '../helpers/fixtures.js';

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
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
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
