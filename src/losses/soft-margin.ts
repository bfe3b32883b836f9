// SoftMarginLoss: ℓ = log(1 + e^(−y·x)), PyTorch's torch.nn.SoftMarginLoss / F.soft_margin_loss, with PyTorch 1.13's
// log(1 + exp) (exactly 0 once y·x ≳ 16.6 in float32, +∞ with a NaN gradient once −y·x overflows). The target must
// broadcast to the input's shape (PyTorch computes in place on it) and has no gradient.
// Kernel: assembly/elementwise/terms/soft_margin.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of SoftMarginLoss: `reduction` (default `'mean'`) and the legacy `sizeAverage` / `reduce`. */
export type SoftMarginLossOptions = MSELossOptions;

const softMargin = elementwiseLoss({
  name: 'softMarginLoss',
  className: 'SoftMarginLoss',
  options: {},
  resultFrom: 0,
  operands: [{ name: 'target', shape: 'to-input', kind: 'label', grad: false }],
  term: () => ({ term: 'soft_margin' }),
});

/**
 * Soft margin loss, like `torch.nn.functional.soft_margin_loss`: log(1 + exp(−target·input)) per element, then
 * reduced. As in PyTorch 1.13 it is log(1 + exp(·)), not log1p: a float32 element is exactly 0 once
 * target·input ≳ 16.6, and +Infinity (with a NaN gradient) once −target·input ≳ 88.7.
 * @param input Scores (float32 or float64).
 * @param target Labels (usually ±1): float or integer, broadcastable to the input's shape (it cannot widen it).
 *   No gradient (PyTorch does not differentiate it): `backward()` gives null for it.
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the input's shape and dtype for `'none'`.
 * @throws {TypeError} For a non-float input, a non-numeric target, unknown option keys or malformed options.
 * @throws {RangeError} For a target that does not broadcast to the input's shape, or an unknown reduction.
 * @example
 * F.softMarginLoss([0.5, -1, 2], [1, -1, -1]); // 0.9714222550392151 (PyTorch: tensor(0.9714); the float64 value rounded once)
 */
export const softMarginLoss: LossFunction<[input: TensorInput, target: TensorInput], SoftMarginLossOptions> =
  functional(softMargin);

/**
 * `torch.nn.SoftMarginLoss` as a module, with `backward()` for the input's gradient (the target's is null).
 * @example
 * const m = new nn.SoftMarginLoss({ reduction: 'sum' });
 * m.forward([0.5, -1, 2], [1, -1, -1]);
 * m.backward()[0]?.toString(); // 'tensor([-0.3775,  0.2689,  0.8808])'
 */
export class SoftMarginLoss<O extends SoftMarginLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(softMargin, options);
  }
}
