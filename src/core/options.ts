// Loss options: declared once per loss as a table of specs, parsed strictly. An unknown key is a TypeError that
// names it (with a hint for PyTorch's snake_case spelling or a near miss), and a tensor or array where the options
// object belongs is a TypeError (PyTorch lets a weight be positional; simdloss takes it as `{ weight }`).
import { describe, rangeError, typeError } from '../errors.js';
import type { TensorInput } from '../tensor/coerce.js';
import { warnOnce } from '../warnings.js';

/** How one option is read: its default and a parser that validates (and may normalise) a given value. */
export interface OptionSpec<T> {
  readonly default: T;
  /** The value for a key that is present and not `undefined`. @throws TypeError / RangeError naming it. */
  parse(fn: string, name: string, value: unknown): T;
}

/** A table of option specs, keyed by the camelCase option name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec<unknown>>>;

/** The parsed values of a spec table. */
export type Parsed<S extends OptionSpecs> = { readonly [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

/** A number option; `check` returns an error message (a RangeError) for values the loss refuses. */
export function numberOption(fallback: number, check?: (v: number) => string | undefined): OptionSpec<number> {
  return {
    default: fallback,
    parse(fn, name, v) {
      if (typeof v !== 'number') throw typeError(fn, `${name} must be a number`, describe(v));
      const problem = check?.(v);
      if (problem !== undefined) throw rangeError(fn, problem, describe(v));
      return v;
    },
  };
}

/** An integer option that must fit in int32 (class indices such as ignoreIndex). bigint values are accepted. */
export function integerOption(fallback: number): OptionSpec<number> {
  return {
    default: fallback,
    parse(fn, name, value) {
      const v = typeof value === 'bigint' ? Number(value) : value;
      if (typeof v !== 'number' || !Number.isInteger(v))
        throw typeError(fn, `${name} must be an integer`, describe(value));
      if (v < -2147483648 || v > 2147483647) throw rangeError(fn, `${name} must fit in int32`, describe(value));
      return v;
    },
  };
}

/** A boolean option. */
export function booleanOption(fallback: boolean): OptionSpec<boolean> {
  return {
    default: fallback,
    parse(fn, name, v) {
      if (typeof v !== 'boolean') throw typeError(fn, `${name} must be a boolean`, describe(v));
      return v;
    },
  };
}

/** A tensor-valued option such as `weight`: any tensor input, or null for none (PyTorch's None). */
export function tensorOption(): OptionSpec<TensorInput | null> {
  return {
    default: null,
    parse(fn, name, v) {
      if (v === null) return null;
      if (typeof v === 'object' || typeof v === 'number') return v as TensorInput;
      throw typeError(fn, `${name} must be a tensor, a typed array, nested number arrays or null`, describe(v));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

/** How a loss reduces its elementwise values. */
export type Reduction = 'none' | 'mean' | 'sum';

/** What a loss accepts as `reduction` (besides the three, e.g. KLDiv's 'batchmean') and whether it has legacy flags. */
export interface ReductionSpec<R extends string = Reduction> {
  readonly allowed: readonly R[];
  readonly default: R;
  /** PyTorch's `size_average` / `reduce` exist for this loss. */
  readonly legacy: boolean;
  /** PyTorch 1.13 accepts 'elementwise_mean' (as 'mean', with a warning). */
  readonly elementwiseMean: boolean;
  /**
   * False when PyTorch's function has no `reduction` argument at all (pairwise_distance): the key is then unknown
   * (strict options) and the reduction is always `default`. Default true.
   */
  readonly option?: boolean;
}

/** The reduction of most losses: 'none' | 'mean' | 'sum', default 'mean', with the legacy flags. */
export const STANDARD_REDUCTION: ReductionSpec = {
  allowed: ['none', 'mean', 'sum'],
  default: 'mean',
  legacy: true,
  elementwiseMean: true,
};

/**
 * The effective reduction: PyTorch's `_Reduction.legacy_get_string` when `sizeAverage` or `reduce` is set (they
 * win over `reduction`; a DeprecationWarning once per process), else `reduction`, validated. 'elementwise_mean'
 * is 'mean' with PyTorch's UserWarning, where PyTorch 1.13 accepts it.
 */
function resolveReduction<R extends string>(fn: string, spec: ReductionSpec<R>, options: Record<string, unknown>): R {
  const { sizeAverage, reduce } = options;
  for (const [name, v] of [
    ['sizeAverage', sizeAverage],
    ['reduce', reduce],
  ] as const) {
    if (v !== undefined && v !== null && typeof v !== 'boolean')
      throw typeError(fn, `${name} must be a boolean`, describe(v));
  }
  if ((sizeAverage ?? null) !== null || (reduce ?? null) !== null) {
    const sa = (sizeAverage as boolean | null | undefined) ?? true;
    const rd = (reduce as boolean | null | undefined) ?? true;
    const legacy = sa && rd ? 'mean' : rd ? 'sum' : 'none';
    warnOnce(
      'legacy-reduction',
      `size_average and reduce args will be deprecated, please use reduction='${legacy}' instead.`,
      'DeprecationWarning',
    );
    return legacy as R;
  }
  const reduction = options.reduction;
  if (reduction === undefined) return spec.default;
  if (typeof reduction !== 'string') throw typeError(fn, 'reduction must be a string', describe(reduction));
  if (reduction === 'elementwise_mean' && spec.elementwiseMean) {
    warnOnce(
      'elementwise-mean',
      "reduction='elementwise_mean' is deprecated, please use reduction='mean' instead.",
      'UserWarning',
    );
    return 'mean' as R;
  }
  if (!(spec.allowed as readonly string[]).includes(reduction)) {
    throw rangeError(
      fn,
      `reduction must be one of ${spec.allowed.map((r) => `'${r}'`).join(', ')}`,
      describe(reduction),
    );
  }
  return reduction as R;
}

// ---------------------------------------------------------------------------------------------------------------
// Strict parsing

/** True for `{}`-style objects (not tensors, arrays, typed arrays, functions or class instances). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Levenshtein distance, for "did you mean" on near misses (keys are short; this runs only on an error). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The TypeError for an unknown option key, with the closest accepted key when there is one. */
function unknownKey(fn: string, key: string, known: readonly string[]): TypeError {
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  let hint = '';
  if (camel !== key && known.includes(camel)) hint = `; simdloss spells PyTorch's '${key}' as '${camel}'`;
  else {
    const near = known.filter((k) => distance(k.toLowerCase(), camel.toLowerCase()) <= 2);
    if (near.length > 0) hint = `; did you mean '${near[0]}'?`;
  }
  const list = known.map((k) => `'${k}'`).join(', ');
  return typeError(fn, `unknown option '${key}'${hint} (options: ${list})`, describe(key));
}

/**
 * What the caller passed as `reduction`, and whether PyTorch's legacy flags decided the effective reduction instead.
 * KLDiv's functional form still looks at the `reduction` string after the legacy flags ('batchmean' divides their
 * result by the batch size) and warns about 'mean' only without them.
 */
export interface RequestedReduction {
  /** The `reduction` option as given (unvalidated when the legacy flags override it), or undefined. */
  readonly reduction: unknown;
  /** `sizeAverage` or `reduce` was set (not null or undefined), so they decided the effective reduction. */
  readonly legacy: boolean;
}

/**
 * The options a loss was given, parsed: each spec's value, the effective reduction, and (not enumerable, so not a
 * module attribute) what was requested.
 */
export type ParsedOptions<S extends OptionSpecs, R extends string> = Parsed<S> & {
  readonly reduction: R;
  readonly requested: RequestedReduction;
};

/**
 * Parses `options` strictly against `specs` and the loss's reduction spec.
 * @throws {TypeError} When options is not a plain object, a key is unknown, or a value has the wrong type.
 * @throws {RangeError} For values the loss refuses (an unknown reduction, a negative beta, …).
 */
export function parseOptions<S extends OptionSpecs, R extends string>(
  fn: string,
  specs: S,
  reduction: ReductionSpec<R>,
  options: unknown,
): ParsedOptions<S, R> {
  if (options !== undefined && !isPlainObject(options)) {
    const positional =
      ArrayBuffer.isView(options) ||
      Array.isArray(options) ||
      (typeof options === 'object' && options !== null && 'shape' in options && 'dtype' in options);
    const what = positional
      ? 'options must be an object: a tensor here is not taken as a weight (PyTorch allows a positional weight; pass { weight })'
      : 'options must be a plain object';
    throw typeError(fn, what, describe(options));
  }
  const given = (options ?? {}) as Record<string, unknown>;
  const known = [
    ...Object.keys(specs),
    ...(reduction.option === false ? [] : ['reduction']),
    ...(reduction.legacy ? ['sizeAverage', 'reduce'] : []),
  ];
  for (const key of Object.keys(given)) if (!known.includes(key)) throw unknownKey(fn, key, known);
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const v = given[key];
    out[key] = v === undefined ? spec.default : spec.parse(fn, key, v);
  }
  out.reduction = reduction.option === false ? reduction.default : resolveReduction(fn, reduction, given);
  const legacy = (given.sizeAverage ?? null) !== null || (given.reduce ?? null) !== null;
  Object.defineProperty(out, 'requested', { value: { reduction: given.reduction, legacy }, enumerable: false });
  return out as ParsedOptions<S, R>;
}
