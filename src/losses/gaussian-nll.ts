// GaussianNLLLoss: ℓ = 0.5·(log v + (x − t)²/v) with v = max(var, eps) (+ 0.5·log 2π when full), PyTorch's
// torch.nn.GaussianNLLLoss / F.gaussian_nll_loss. var has the input's shape, or it with a last dimension of 1, or
// it without the last dimension (unsqueezed); a negative var is refused; the clamp is outside autograd, so the
// var gradient at a clamped element is the unclamped formula. Kernel: assembly/elementwise/terms/gaussian_nll.ts.
import { rangeError } from '../errors.js';
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { booleanOption, numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { elementwiseLoss, firstNegative } from './elementwise.js';

/** Options of GaussianNLLLoss: `full` (false), `eps` (1e-6), `reduction` (default `'mean'`). No legacy flags. */
export interface GaussianNLLLossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
  /** Add the constant 0.5·log(2π) (default false). */
  full?: boolean;
  /** The variance is clamped to at least eps, outside the gradient (default 1e-6). */
  eps?: number;
}

/**
 * PyTorch's var shapes: the input's (heteroscedastic), the input's without its last dimension (unsqueezed), or the
 * input's with a last dimension of 1 (homoscedastic); anything else is "var is of incorrect size".
 */
function varShape(fn: string, input: readonly number[], v: readonly number[]): readonly number[] {
  if (sameShape(v, input)) return v;
  const head = input.slice(0, -1);
  if (sameShape(head, v)) return [...v, 1];
  if (v.length > 0 && v[v.length - 1] === 1 && sameShape(head, v.slice(0, -1))) return v;
  throw rangeError(
    fn,
    `var must have the input's shape ${shapeStr(input)}, or it with the last dimension 1 or ` +
      'without it (PyTorch: var is of incorrect size)',
    shapeStr(v),
  );
}

const gaussianNll = elementwiseLoss({
  name: 'gaussianNllLoss',
  className: 'GaussianNLLLoss',
  options: { full: booleanOption(false), eps: numberOption(1e-6) },
  reduction: { allowed: ['none', 'mean', 'sum'], default: 'mean', legacy: false, elementwiseMean: false },
  operands: [
    { name: 'target', shape: 'broadcast', kind: 'label' },
    { name: 'var', shape: varShape },
  ],
  term: (o) => ({ term: 'gaussian_nll', p: o.eps, q: o.full ? 1 : 0 }),
  // PyTorch: "var has negative entry/entries" (NaN is not negative: it gives NaN).
  validate: (fn, [, , v]) => firstNegative(fn, 'var must not be negative', v),
});

/**
 * Gaussian negative log likelihood, like `torch.nn.functional.gaussian_nll_loss`:
 * 0.5·(log(max(var, eps)) + (input − target)²/max(var, eps)) per element (plus 0.5·log(2π) when `full`), then
 * reduced.
 * @param input Means (float32 or float64).
 * @param target Samples, broadcastable with the input (float or integer).
 * @param var Variances, not negative: the input's shape, the input's shape with its last dimension 1 (one variance
 *   per row), or the input's shape without its last dimension. The clamp at eps is not differentiated (as in
 *   PyTorch), so its gradient at a clamped element is the formula's at eps, not 0.
 * @param options `full` (default false), `eps` (default 1e-6), `reduction`: `'mean'` (default), `'sum'` or `'none'`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {RangeError} For a var of another shape (a (D) var for (N, D) input included), a negative var element,
 *   shapes that do not broadcast, or an unknown reduction.
 * @throws {TypeError} For non-float input or var, a non-numeric target, unknown option keys or malformed options.
 * @example
 * F.gaussianNllLoss([1, 2], [1.5, 2], [0.5, 1]); // -0.0482867956161499 (PyTorch: tensor(-0.0483))
 */
export const gaussianNllLoss: LossFunction<
  [input: TensorInput, target: TensorInput, variance: TensorInput],
  GaussianNLLLossOptions
> = functional(gaussianNll);

/**
 * `torch.nn.GaussianNLLLoss` as a module, with `backward()` for the gradients of the input, the target and var.
 * @example
 * new nn.GaussianNLLLoss({ full: true }).forward([[1, 2]], [[1.5, 2]], [0.5]); // 0.6973649263381958
 */
export class GaussianNLLLoss<O extends GaussianNLLLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput, variance: TensorInput],
  O
> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** Whether the constant term is added. */
  declare readonly full: boolean;
  /** The variance clamp. */
  declare readonly eps: number;
  /** @param options `full` (false), `eps` (1e-6), `reduction` (default `'mean'`). */
  constructor(options?: O) {
    super(gaussianNll, options);
  }
}
