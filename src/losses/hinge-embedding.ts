// HingeEmbeddingLoss: ℓ = x where y = 1, max(0, margin − x) where y = −1, and their sum for any other target
// (PyTorch 1.13 computes where(y ≠ 1, max(0, margin − x), 0) + where(y ≠ −1, x, 0)); torch.nn.HingeEmbeddingLoss /
// F.hinge_embedding_loss. Kernel: assembly/elementwise/terms/hinge.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of HingeEmbeddingLoss: `margin` (default 1), `reduction` (default `'mean'`) and the legacy flags. */
export interface HingeEmbeddingLossOptions extends MSELossOptions {
  /** The margin m in max(0, m − x) for targets −1; default 1. Any number (PyTorch does not check it). */
  margin?: number;
}

const hinge = elementwiseLoss({
  name: 'hingeEmbeddingLoss',
  className: 'HingeEmbeddingLoss',
  options: { margin: numberOption(1) },
  // The target broadcasts (no warning) and is only compared: any numeric dtype, zeros as its gradient (PyTorch's
  // unused input), and the result keeps the input's dtype (PyTorch's where() of input-dtype tensors).
  operands: [{ name: 'target', shape: 'broadcast', kind: 'label', grad: 'zeros' }],
  resultFrom: 0,
  term: (o) => ({ term: 'hinge', p: o.margin }),
});

/**
 * Hinge embedding loss, like `torch.nn.functional.hinge_embedding_loss`: per element `input` where the target is 1,
 * max(0, margin − input) where it is −1, and (PyTorch 1.13's quirk) the sum of both for any other target value;
 * then reduced.
 * @param input Distances or scores (float32 or float64).
 * @param target Labels, broadcast with `input` (no warning, as in PyTorch): a float or integer tensor, compared
 *   with 1 and −1 only, so it never changes the result's dtype; its gradient is zeros (float) or null (integer).
 * @param options `margin` (default 1), `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy
 *   `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of nothing); a Tensor of the broadcast shape for `'none'`.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @throws {TypeError} For a non-float input, a target that is not numeric, unknown option keys or malformed options.
 * @example
 * F.hingeEmbeddingLoss([0.5, -0.5, 2, 1], [1, -1, 0.5, -1]); // 1 (PyTorch: tensor(1.))
 */
export const hingeEmbeddingLoss: LossFunction<[input: TensorInput, target: TensorInput], HingeEmbeddingLossOptions> =
  functional(hinge);

/**
 * `torch.nn.HingeEmbeddingLoss` as a module, with `backward()` for the input's gradient (and zeros for a float
 * target's).
 * @example
 * const m = new nn.HingeEmbeddingLoss({ margin: 2, reduction: 'sum' });
 * m.forward([0.5, -0.5, 2, 1], [1, -1, 0.5, -1]); // 6 (PyTorch: tensor(6.))
 * m.backward()[0]?.toString(); // 'tensor([ 1., -1.,  0., -1.])'
 */
export class HingeEmbeddingLoss<O extends HingeEmbeddingLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The margin. */
  declare readonly margin: number;
  /** @param options `margin` (default 1), `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(hinge, options);
  }
}
