// The `reduction` option and PyTorch's legacy `sizeAverage` / `reduce` flags.
import { describe, rangeError, typeError } from '../errors.js';
import { warnOnce } from '../warnings.js';
import type { Tensor } from '../tensor/tensor.js';

/** How a loss reduces its elementwise values. */
export type Reduction = 'none' | 'mean' | 'sum';

/** Options every loss takes. */
export interface ReductionOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  sizeAverage?: boolean;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  reduce?: boolean;
}

/**
 * The effective reduction, validated: PyTorch's `_Reduction.legacy_get_string` when `sizeAverage` or `reduce`
 * is set (they win over `reduction`, and a deprecation warning is emitted once per process), else `reduction`.
 * @param allowed the reductions this loss accepts.
 */
export function resolveReduction(
  fn: string,
  options: ReductionOptions,
  allowed: readonly string[] = ['none', 'mean', 'sum'],
): Reduction {
  const { sizeAverage, reduce, reduction = 'mean' } = options;
  for (const [name, v] of [['sizeAverage', sizeAverage], ['reduce', reduce]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'boolean') throw typeError(fn, `${name} must be a boolean`, describe(v));
  }
  if ((sizeAverage ?? null) !== null || (reduce ?? null) !== null) {
    const sa = sizeAverage ?? true;
    const rd = reduce ?? true;
    const legacy: Reduction = sa && rd ? 'mean' : rd ? 'sum' : 'none';
    warnOnce(
      'legacy-reduction',
      `size_average and reduce args will be deprecated, please use reduction='${legacy}' instead.`,
      'DeprecationWarning',
    );
    return legacy;
  }
  if (typeof reduction !== 'string') throw typeError(fn, `reduction must be a string`, describe(reduction));
  if (!allowed.includes(reduction)) {
    throw rangeError(fn, `reduction must be one of ${allowed.map((r) => `'${r}'`).join(', ')}`, describe(reduction));
  }
  return reduction;
}

/**
 * The static result type of a loss called with options `O`: a Tensor for `reduction: 'none'`, a number for
 * 'mean' / 'sum' (or no reduction given), and either when it can only be known at run time.
 */
export type LossResult<O> = O extends { reduction: 'none' }
  ? Tensor
  : O extends { sizeAverage: boolean } | { reduce: boolean }
    ? number | Tensor
    : O extends { reduction?: 'mean' | 'sum'; sizeAverage?: undefined; reduce?: undefined }
      ? number
      : number | Tensor;
