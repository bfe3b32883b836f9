// BCEWithLogitsLoss: binary cross entropy on logits, PyTorch's torch.nn.BCEWithLogitsLoss /
// F.binary_cross_entropy_with_logits, with PyTorch 1.13's formula ((1 − t)·x + m + log(e^−m + e^(−x−m)), m = max(−x, 0);
// with pos_weight (1 − t)·x + (1 + (pos_weight − 1)·t)·(log(e^−m + e^(−x−m)) + m)), so huge logits stay finite.
// weight broadcasts to the input's shape, pos_weight too (usually a vector along the last, class dimension); the
// target must have the input's shape exactly; the result has the target's dtype (PyTorch computes in place on
// 1 − target). Kernels: assembly/elementwise/terms/bce_logits.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { tensorOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { BCELossOptions } from './bce.js';

/**
 * Options of BCEWithLogitsLoss: `weight`, `posWeight`, `reduction` (default `'mean'`) and the legacy
 * `sizeAverage` / `reduce`.
 */
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /**
   * Weight of the positive term per class (PyTorch's `pos_weight`): broadcast to the input's shape, so a vector
   * of length C weighs the last dimension. Any numeric dtype, converted to the call's float dtype. No gradient.
   */
  posWeight?: TensorInput | null;
}

const bceWithLogits = elementwiseLoss({
  name: 'binaryCrossEntropyWithLogits',
  className: 'BCEWithLogitsLoss',
  weighted: true,
  resultFrom: 1,
  options: { posWeight: tensorOption() },
  operands: [{ name: 'target', shape: 'exact' }],
  optionOperand: { option: 'posWeight', shape: 'to-input' },
  term: (o) => ({ term: o.posWeight === null ? 'bce_logits' : 'bce_logits_pw' }),
});

/**
 * Binary cross entropy on logits, like `torch.nn.functional.binary_cross_entropy_with_logits`:
 * w·((1 − t)·x + (1 + (posWeight − 1)·t)·log(1 + e^−x)) per element, computed as PyTorch 1.13 does (stable for
 * any finite logit), then reduced.
 * @param input Logits (float32 or float64).
 * @param target Targets of exactly the input's shape (float32 or float64; not range-checked, as in PyTorch). The
 *   result takes the target's dtype, as in PyTorch (a float64 input with a float32 target gives a float32 loss).
 * @param options `weight` (default none; broadcast to the input's shape), `posWeight` (default none; broadcast to
 *   the input's shape), `reduction`: `'mean'` (default), `'sum'` or `'none'`, or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of an empty input); a Tensor of the input's shape for
 *   `'none'`.
 * @throws {RangeError} For a target shape other than the input's, a weight or posWeight that does not broadcast to
 *   it, or an unknown reduction.
 * @throws {TypeError} For non-float input or target, a non-numeric weight or posWeight, unknown option keys or
 *   malformed options.
 * @example
 * F.binaryCrossEntropyWithLogits([0.5, -1], [1, 0]); // 0.39366933703422546 (PyTorch: tensor(0.3937); the float64 value rounded once)
 */
export const binaryCrossEntropyWithLogits: LossFunction<
  [input: TensorInput, target: TensorInput],
  BCEWithLogitsLossOptions
> = functional(bceWithLogits);

/**
 * `torch.nn.BCEWithLogitsLoss` as a module, with `backward()` for the gradients of the input and the target.
 * @example
 * new nn.BCEWithLogitsLoss({ posWeight: [2, 1] }).forward([[0.5, -1]], [[1, 0]]); // 0.6307078003883362 (PyTorch: tensor(0.6307))
 */
export class BCEWithLogitsLoss<O extends BCEWithLogitsLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The rescaling weight as given, or null. */
  declare readonly weight: TensorInput | null;
  /** The positive-class weight as given, or null. */
  declare readonly posWeight: TensorInput | null;
  /** @param options `weight`, `posWeight`, `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(bceWithLogits, options);
  }
}
