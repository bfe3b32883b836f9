// SigmoidFocalLoss: torchvision 0.14's ops.sigmoid_focal_loss (RetinaNet's focal loss, arXiv:1708.02002):
// ce·(1 − p_t)^γ per element, times α_t = α·t + (1 − α)·(1 − t) when α ≥ 0, with σ = sigmoid(x), ce PyTorch 1.13's
// binary_cross_entropy_with_logits and p_t = σ·t + (1 − σ)·(1 − t). The target must have the input's shape (the
// BCE-with-logits check); float64 in either promotes. Default reduction 'none' (torchvision's); the mean over an
// empty input is NaN (torchvision has no empty guard here, unlike the box losses). torchvision treats an unknown
// reduction as 'none'; simdloss refuses it (a RangeError). The class is simdloss's (torchvision has only the
// function). Kernel: assembly/elementwise/terms/sigmoid_focal.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';

/** Options of SigmoidFocalLoss (torchvision's keyword arguments): `alpha`, `gamma`, `reduction`. */
export interface SigmoidFocalLossOptions {
  /** Weight of the positive class in (0, 1); default 0.25. A negative alpha means no α weighting (torchvision's −1). */
  alpha?: number;
  /** Exponent of the modulating factor (1 − p_t); default 2. */
  gamma?: number;
  /** `'none'` (default, as torchvision), `'mean'` or `'sum'`. */
  reduction?: Reduction;
}

const focal = elementwiseLoss({
  name: 'sigmoidFocalLoss',
  className: 'SigmoidFocalLoss',
  input: 'inputs',
  operands: [{ name: 'targets', shape: 'exact' }],
  reduction: { allowed: ['none', 'mean', 'sum'], default: 'none', legacy: false, elementwiseMean: false },
  options: { alpha: numberOption(0.25), gamma: numberOption(2) },
  term: (o) => ({ term: 'sigmoid_focal', p: o.alpha, q: o.gamma }),
});

/**
 * Sigmoid focal loss, like `torchvision.ops.sigmoid_focal_loss`: α_t·BCEWithLogits(x, t)·(1 − p_t)^γ per element,
 * then reduced.
 * @param inputs Logits (float32 or float64), any shape.
 * @param targets Targets of exactly the inputs' shape (float32 or float64; usually 0 or 1, not range-checked).
 *   A float64 argument makes the call float64.
 * @param options `alpha` (default 0.25; negative: no weighting), `gamma` (default 2), `reduction`: `'none'`
 *   (default), `'mean'` or `'sum'`.
 * @returns A Tensor of the inputs' shape for `'none'`; a number for `'mean'` (NaN for an empty input) and `'sum'`.
 * @throws {RangeError} For a target shape other than the inputs', or an unknown reduction (torchvision 0.14
 *   silently returns the unreduced loss).
 * @throws {TypeError} For non-float inputs or targets, a non-number alpha or gamma, unknown option keys or
 *   malformed options.
 * @example
 * F.sigmoidFocalLoss([0.5, -1], [1, 0], { reduction: 'sum' }); // 0.03388691693544388 (torchvision: tensor(0.0339))
 */
export const sigmoidFocalLoss: LossFunction<[inputs: TensorInput, targets: TensorInput], SigmoidFocalLossOptions> =
  functional(focal);

/**
 * The sigmoid focal loss as a module (simdloss's; torchvision 0.14 has only the function), with `backward()` for
 * the gradients of the inputs and the targets.
 * @example
 * new nn.SigmoidFocalLoss({ alpha: -1, reduction: 'mean' }).forward([[0.5, -1]], [[1, 0]]); // 0.045115772634744644 (torchvision: tensor(0.0451))
 */
export class SigmoidFocalLoss<O extends SigmoidFocalLossOptions = {}> extends Loss<
  [inputs: TensorInput, targets: TensorInput],
  O
> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** The positive-class weight (negative: none). */
  declare readonly alpha: number;
  /** The modulating exponent. */
  declare readonly gamma: number;
  /** @param options `alpha` (default 0.25), `gamma` (default 2), `reduction` (default `'none'`). */
  constructor(options?: O) {
    super(focal, options);
  }
}
