// SmoothL1Loss: ℓ(d) = 0.5·d²/β for |d| < β, else |d| − 0.5·β (d = x − y), PyTorch's torch.nn.SmoothL1Loss /
// F.smooth_l1_loss. β = 0 gives |d| (PyTorch's value), with PyTorch's gradient (−1 at d = 0, not L1's 0).
// Kernel: assembly/elementwise/terms/smooth_l1.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of SmoothL1Loss: `reduction` (default `'mean'`), `beta` (default 1, ≥ 0), legacy flags. */
export interface SmoothL1LossOptions extends MSELossOptions {
  /** Where the loss turns from quadratic to linear; default 1. 0 makes it |x − y|. Must not be negative. */
  beta?: number;
}

const smoothL1 = elementwiseLoss({
  name: 'smoothL1Loss',
  className: 'SmoothL1Loss',
  shapes: 'broadcast',
  // PyTorch: "smooth_l1_loss does not support negative values for beta." NaN fails that check too.
  options: { beta: numberOption(1, (b) => (b >= 0 ? undefined : 'beta must not be negative')) },
  term: (o) => ({ term: 'smooth_l1', p: o.beta }),
});

/**
 * Smooth L1 loss, like `torch.nn.functional.smooth_l1_loss`: quadratic below `beta`, linear above.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input`.
 * @param options `reduction` (default `'mean'`) and `beta` (default 1; 0 gives |input − target|), or the legacy
 *   `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors, unknown option keys or malformed options.
 * @throws {RangeError} For a negative `beta`, shapes that do not broadcast, or an unknown reduction.
 * @example
 * F.smoothL1Loss([1, 2, 3], [2, 2, 4]); // 0.3333333432674408
 */
export const smoothL1Loss: LossFunction<[input: TensorInput, target: TensorInput], SmoothL1LossOptions> =
  functional(smoothL1);

/**
 * `torch.nn.SmoothL1Loss` as a module, with `backward()` for its gradients.
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).forward([1, 2, 3], [2, 2, 4]); // 0.5
 */
export class SmoothL1Loss<O extends SmoothL1LossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The quadratic-to-linear threshold. */
  declare readonly beta: number;
  /** @param options `reduction` (default `'mean'`), `beta` (default 1), or the legacy flags. */
  constructor(options?: O) {
    super(smoothL1, options);
  }
}
