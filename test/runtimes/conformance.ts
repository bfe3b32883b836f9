// The conformance script every runtime runs (Node, Bun, Deno, workerd, Chromium): a sample of the PyTorch fixture
// cases, each through F and nn, and for cases with gradients through `nn.<Class>.backward(gradOutput)` and
// `valueAndGrad(F.<fn>, { gradOutput })`, encoded as the exact bits of the results and gradients so that runtimes
// can be compared bit for bit. Runtime-agnostic on purpose: no Node, Deno, Bun or DOM APIs, only the library
// handed in.

/** A tensor argument as the fixtures write it (DESIGN.md §2 fixtures; "nan"/"inf"/"-inf" for non-finite). */
export type FixtureValue =
  | { dtype: string; shape: number[]; data: unknown[] }
  | { plain: unknown }
  | { typed: string; data: unknown[] };

/** PyTorch's gradient of one argument (test/fixtures/generate.py's docstring): null where it has none. */
export type FixtureGrad = { dtype: string; shape: number[]; data: unknown[]; truth: unknown[] } | null;

/** torch.autograd's gradients of a valid case, when the fixture carries them. */
interface FixtureGrads {
  grads?: FixtureGrad[];
  /** Arguments (by index) PyTorch refused to differentiate, with its exception. */
  gradErrors?: Record<string, string>;
}

/** What PyTorch gave for a case. */
export type FixtureExpected =
  | ({ kind: 'number'; dtype: string; value: number | string; truth?: number | string } & FixtureGrads)
  | ({ kind: 'tensor'; dtype: string; shape: number[]; data: unknown[]; truth?: unknown[] } & FixtureGrads)
  | { kind: 'error'; type: string };

/** One fixture case. */
export interface FixtureCase {
  name: string;
  fn: string;
  cls: string;
  args: FixtureValue[];
  options?: Record<string, unknown> | null;
  /** The upstream gradient: a number, or a tensor of the result's shape; absent: 1. */
  gradOutput?: number | FixtureValue;
  expected: FixtureExpected;
}

/** A result reduced to comparable bits: NaN is written `nan` (engines may canonicalise NaN payloads). */
export type Outcome =
  | { kind: 'number'; bits: string }
  | { kind: 'tensor'; dtype: string; shape: number[]; bits: string[] }
  | { kind: 'error'; type: string; message: string };

/** Gradients reduced to bits: one entry per tensor argument (null where the library gives none), or the error. */
export type GradsOutcome =
  | { kind: 'grads'; grads: Array<Extract<Outcome, { kind: 'tensor' }> | null> }
  | Extract<Outcome, { kind: 'error' }>;

/** The outcome of one case through both APIs, and through the gradient APIs where the case has gradients. */
export interface CaseOutcome {
  name: string;
  functional: Outcome;
  module: Outcome;
  /** `m.forward(...args)` then `m.backward(gradOutput)` (valid cases with gradients). */
  backward?: GradsOutcome;
  /** `valueAndGrad(F[fn], { gradOutput })(...args, options)` (error cases and valid cases with gradients). */
  valueAndGrad?: { value: Outcome; grads: GradsOutcome } | Extract<Outcome, { kind: 'error' }>;
}

/** The slice of the public API the script uses, so each runtime can hand in however it imported the package. */
export interface LibraryUnderTest {
  F: object;
  nn: object;
  valueAndGrad: (
    fn: never,
    config?: { gradOutput?: unknown },
  ) => (...args: never[]) => { value: unknown; grads: unknown };
  tensor: (data: never, options?: { shape?: number[]; dtype?: never }) => unknown;
  Tensor: abstract new (...args: never[]) => unknown;
}

type Fn = (...args: unknown[]) => unknown;

const NON_FINITE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/** A fixture number: finite numbers as they are, "nan"/"inf"/"-inf" decoded. */
export function fixtureNumber(v: unknown): number {
  if (typeof v === 'string' && v in NON_FINITE) return NON_FINITE[v];
  return v as number;
}

function decodeNested(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeNested);
  return fixtureNumber(v);
}

const TYPED: Record<string, (data: number[]) => ArrayBufferView> = {
  Float32Array: (d) => Float32Array.from(d),
  Float64Array: (d) => Float64Array.from(d),
  Int32Array: (d) => Int32Array.from(d),
  BigInt64Array: (d) => BigInt64Array.from(d, (x) => BigInt(x)),
};

function isFixtureValue(v: unknown): v is FixtureValue {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  return 'plain' in v || 'typed' in v || ('dtype' in v && 'shape' in v && 'data' in v);
}

/** Turns a fixture argument (or option value) into what the library accepts. */
export function decodeValue(lib: LibraryUnderTest, v: unknown): unknown {
  if (!isFixtureValue(v)) return v;
  if ('plain' in v) return decodeNested(v.plain);
  if ('typed' in v) {
    const make = TYPED[v.typed];
    if (!make) throw new Error(`conformance: unknown typed array ${v.typed}`);
    return make((v.data as unknown[]).map(fixtureNumber));
  }
  const data = (v.data as unknown[]).map(fixtureNumber);
  return lib.tensor(data as never, { shape: v.shape, dtype: v.dtype as never });
}

function decodeOptions(lib: LibraryUnderTest, options: FixtureCase['options']): Record<string, unknown> | undefined {
  if (!options) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) out[k] = decodeValue(lib, v);
  return out;
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The bits of a float64 (big-endian hex, so it reads like the IEEE layout), or `nan`. */
export function float64Bits(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return hex(new Uint8Array(view.buffer));
}

function elementBits(data: ArrayLike<number | bigint>, i: number): string {
  const x = data[i];
  if (typeof x === 'bigint') return x.toString();
  if (Number.isNaN(x)) return 'nan';
  // Every float32 is exactly a float64, so float64 bits identify float32 elements too.
  return float64Bits(x);
}

/** Reduces a returned value to an Outcome (a number, a Tensor, or an unexpected result). */
function outcomeOf(lib: LibraryUnderTest, result: unknown): Outcome {
  if (typeof result === 'number') return { kind: 'number', bits: float64Bits(result) };
  if (result instanceof lib.Tensor) {
    const t = result as unknown as { dtype: string; shape: readonly number[]; data: ArrayLike<number | bigint> };
    const bits: string[] = [];
    for (let i = 0; i < t.data.length; i++) bits.push(elementBits(t.data, i));
    return { kind: 'tensor', dtype: t.dtype, shape: [...t.shape], bits };
  }
  return { kind: 'error', type: 'UnexpectedResult', message: `returned ${result === null ? 'null' : typeof result}` };
}

function errorOutcome(err: unknown): Extract<Outcome, { kind: 'error' }> {
  const e = err as Error;
  return { kind: 'error', type: e?.constructor?.name ?? typeof err, message: String(e?.message ?? err) };
}

/** Runs `call` and reduces what it returns or throws to an Outcome. */
export function capture(lib: LibraryUnderTest, call: () => unknown): Outcome {
  let result: unknown;
  try {
    result = call();
  } catch (err) {
    return errorOutcome(err);
  }
  return outcomeOf(lib, result);
}

/** Reduces a gradient array (Tensors and nulls) to bits; anything else is an UnexpectedResult error. */
function gradsOutcomeOf(lib: LibraryUnderTest, grads: unknown): GradsOutcome {
  if (!Array.isArray(grads)) return { kind: 'error', type: 'UnexpectedResult', message: `grads: ${typeof grads}` };
  const out: Array<Extract<Outcome, { kind: 'tensor' }> | null> = [];
  for (const g of grads) {
    if (g === null) {
      out.push(null);
      continue;
    }
    const o = outcomeOf(lib, g);
    if (o.kind !== 'tensor') return { kind: 'error', type: 'UnexpectedResult', message: `a gradient ${typeof g}` };
    out.push(o);
  }
  return { kind: 'grads', grads: out };
}

/** Whether a case runs through the gradient APIs: error cases, and valid cases whose fixture has gradients. */
export function hasGradients(c: FixtureCase): boolean {
  return c.expected.kind === 'error' || c.expected.grads !== undefined;
}

/**
 * Runs every case through `F[fn](...args, options)` and `new nn[cls](options).forward(...args)`; cases with
 * gradients also through `.backward(gradOutput)` on a fresh module and `valueAndGrad(F[fn], { gradOutput })`.
 * Every call decodes its own arguments.
 */
export function runConformance(lib: LibraryUnderTest, cases: readonly FixtureCase[]): CaseOutcome[] {
  const F = lib.F as Record<string, Fn | undefined>;
  const nn = lib.nn as Record<string, (new (options?: unknown) => { forward: Fn; backward: Fn }) | undefined>;
  return cases.map((c) => {
    const args = () => c.args.map((a) => decodeValue(lib, a));
    const options = () => decodeOptions(lib, c.options);
    const gradOutput = () => (c.gradOutput === undefined ? undefined : decodeValue(lib, c.gradOutput));
    const fnOf = () => {
      const fn = F[c.fn];
      if (!fn) throw new ReferenceError(`F.${c.fn} is missing`);
      return fn;
    };
    const moduleOf = () => {
      const Cls = nn[c.cls];
      if (!Cls) throw new ReferenceError(`nn.${c.cls} is missing`);
      const o = options();
      return o === undefined ? new Cls() : new Cls(o);
    };
    const functional = capture(lib, () => {
      const o = options();
      return o === undefined ? fnOf()(...args()) : fnOf()(...args(), o);
    });
    const module = capture(lib, () => moduleOf().forward(...args()));
    const outcome: CaseOutcome = { name: c.name, functional, module };
    if (!hasGradients(c)) return outcome;
    if (c.expected.kind !== 'error') {
      try {
        const m = moduleOf();
        m.forward(...args());
        const g = gradOutput();
        outcome.backward = gradsOutcomeOf(lib, g === undefined ? m.backward() : m.backward(g));
      } catch (err) {
        outcome.backward = errorOutcome(err);
      }
    }
    try {
      const o = options();
      const vg = lib.valueAndGrad(fnOf() as never, { gradOutput: gradOutput() });
      const r = (o === undefined ? vg(...(args() as never[])) : vg(...(args() as never[]), o as never)) as {
        value: unknown;
        grads: unknown;
      };
      outcome.valueAndGrad = { value: outcomeOf(lib, r.value), grads: gradsOutcomeOf(lib, r.grads) };
    } catch (err) {
      outcome.valueAndGrad = errorOutcome(err);
    }
    return outcome;
  });
}

/** Descriptions of every case whose outcomes differ from the reference (empty when all agree bit for bit). */
export function diffOutcomes(got: readonly CaseOutcome[], want: readonly CaseOutcome[]): string[] {
  const problems: string[] = [];
  if (got.length !== want.length) problems.push(`ran ${got.length} cases, expected ${want.length}`);
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const g = JSON.stringify(got[i]);
    const w = JSON.stringify(want[i]);
    if (g !== w) problems.push(`${want[i].name}: got ${g}, want ${w}`);
  }
  return problems;
}
