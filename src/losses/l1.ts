// L1Loss: ℓ = |x − y| per element, PyTorch's torch.nn.L1Loss / F.l1_loss. Kernel: assembly/elementwise/terms/abs_diff.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of L1Loss: `reduction` and the legacy flags, as MSELoss. */
export type L1LossOptions = MSELossOptions;

const l1 = elementwiseLoss({
  name: 'l1Loss',
  className: 'L1Loss',
  options: {},
  shapes: 'broadcast',
  term: () => ({ term: 'abs_diff' }),
});

/**
 * Mean absolute error, like `torch.nn.functional.l1_loss`: |input − target| per element, then reduced. Its
 * gradient is sgn(input − target), 0 where they are equal (and where the difference is NaN), as in PyTorch.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input`.
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors (PyTorch computes L1's 'sum' and 'none' of integers; simdloss does not),
 *   unknown option keys or malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @example
 * F.l1Loss([1, 2, 3], [2, 2, 4]); // 0.6666666865348816
 */
export const l1Loss: LossFunction<[input: TensorInput, target: TensorInput], L1LossOptions> = functional(l1);

/**
 * `torch.nn.L1Loss` as a module, with `backward()` for its gradients.
 * @example
 * new nn.L1Loss({ reduction: 'sum' }).forward([1, 2, 3], [2, 2, 4]); // 2
 */
export class L1Loss<O extends L1LossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(l1, options);
  }
}
