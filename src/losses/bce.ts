// BCELoss: binary cross entropy between probabilities and targets, PyTorch's torch.nn.BCELoss /
// F.binary_cross_entropy: ℓ = −w·(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)), with PyTorch 1.13's
// log(1 − x) (not log1p(−x)) and its gradients (the 1e-12 clamp for x, −logit(x) for y).
// Kernel: assembly/elementwise/terms/bce.ts.
import { describe, rangeError } from '../errors.js';
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of BCELoss: `weight`, `reduction` (default `'mean'`) and the legacy `sizeAverage` / `reduce`. */
export interface BCELossOptions extends MSELossOptions {
  /**
   * Rescaling weight per element, broadcast to the input's shape (PyTorch expands it to the target's size).
   * Any dtype; it is converted to the input's float dtype (plain arrays are read in it directly).
   */
  weight?: TensorInput | null;
}

const bce = elementwiseLoss({
  name: 'binaryCrossEntropy',
  className: 'BCELoss',
  options: {},
  shapes: 'exact',
  weighted: true,
  term: () => ({ term: 'bce' }),
  check: (fn, input) => ({
    kernel: 'outside_unit',
    fail(index: number): never {
      throw rangeError(
        fn,
        'input elements must be between 0 and 1',
        `${describe(Number(input.data[index]))} at index ${index}`,
      );
    },
  }),
});

/**
 * Binary cross entropy, like `torch.nn.functional.binary_cross_entropy`:
 * −w·(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)) per element (1 − x rounded in the input's dtype, as
 * PyTorch 1.13 does), then reduced.
 * @param input Probabilities in [0, 1] (float32 or float64).
 * @param target Targets of the same shape and dtype (not range-checked, as in PyTorch 1.13; plain arrays take
 *   the input's dtype).
 * @param options `weight` (default none; broadcast to the input's shape), `reduction`: `'mean'` (default),
 *   `'sum'` or `'none'`, or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of an empty input); a Tensor of the input's shape for
 *   `'none'`.
 * @throws {RangeError} For an input element outside [0, 1] or NaN (the message names the first one and its
 *   index), a target shape that differs from the input's, a weight that does not broadcast to it, or an unknown
 *   reduction.
 * @throws {TypeError} For a non-float input, a target dtype other than the input's, unknown option keys or
 *   malformed options.
 * @example
 * F.binaryCrossEntropy([0.5, 0.2], [1, 0]); // 0.4581453800201416 (PyTorch: tensor(0.4581))
 */
export const binaryCrossEntropy: LossFunction<[input: TensorInput, target: TensorInput], BCELossOptions> =
  functional(bce);

/**
 * `torch.nn.BCELoss`: binary cross entropy as a module, with `backward()` for its gradients.
 * @example
 * new nn.BCELoss({ weight: [1, 2] }).forward([0.5, 0.2], [1, 0]); // 0.5697171688079834 (PyTorch: tensor(0.5697))
 */
export class BCELoss<O extends BCELossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The rescaling weight as given, or null. */
  declare readonly weight: TensorInput | null;
  /** @param options `weight`, `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(bce, options);
  }
}
