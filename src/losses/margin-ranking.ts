// MarginRankingLoss: ℓ = max(0, −y·(x1 − x2) + margin) per element, PyTorch's torch.nn.MarginRankingLoss /
// F.margin_ranking_loss, with autograd's gradients for x1, x2 and a float target.
// Kernel: assembly/elementwise/terms/margin_ranking.ts.
import { rangeError } from '../errors.js';
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { shapeStr } from '../tensor/shape.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of MarginRankingLoss: `margin` (default 0), `reduction` (default `'mean'`) and the legacy flags. */
export interface MarginRankingLossOptions extends MSELossOptions {
  /** The margin m in max(0, −y·(x1 − x2) + m); default 0. Any number (PyTorch does not check it). */
  margin?: number;
}

const marginRanking = elementwiseLoss({
  name: 'marginRankingLoss',
  className: 'MarginRankingLoss',
  input: 'input1',
  // The three broadcast (no warning in PyTorch); an integer target has no gradient, a float one promotes.
  operands: [
    { name: 'input2', shape: 'broadcast' },
    { name: 'target', shape: 'broadcast', kind: 'label', negated: true },
  ],
  options: { margin: numberOption(0) },
  term: (o) => ({ term: 'margin_ranking', p: o.margin }),
  // PyTorch (functional.py): "margin_ranking_loss : All input tensors should have same dimension but got sizes: …".
  validate(fn, [x1, x2, y]) {
    if (x1.shape.length !== x2.shape.length || x1.shape.length !== y.shape.length) {
      throw rangeError(
        fn,
        'input1, input2 and target must have the same number of dimensions',
        `${shapeStr(x1.shape)}, ${shapeStr(x2.shape)} and ${shapeStr(y.shape)}`,
      );
    }
  },
});

/**
 * Margin ranking loss, like `torch.nn.functional.margin_ranking_loss`: max(0, −target·(input1 − input2) + margin)
 * per element, then reduced. `target` says which input should rank higher (1: input1, −1: input2); other values
 * are used as they are, as in PyTorch.
 * @param input1 Scores (float32 or float64).
 * @param input2 Scores with the same number of dimensions as `input1`; the three arguments broadcast together.
 * @param target Float or integer (int32/int64) tensor with the same number of dimensions; a float target promotes
 *   with the inputs and has a gradient, an integer one has none (null). Plain numbers take input1's dtype.
 * @param options `margin` (default 0), `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy
 *   `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of nothing); a Tensor of the broadcast shape for `'none'`.
 * @throws {RangeError} When the three do not have the same number of dimensions or do not broadcast, or for an
 *   unknown reduction.
 * @throws {TypeError} For non-float inputs, a target that is not numeric, unknown option keys or malformed options.
 * @example
 * F.marginRankingLoss([1, 2, 3], [2, 2, 1], [1, -1, 1]); // 0.3333333432674408 (PyTorch: tensor(0.3333))
 */
export const marginRankingLoss: LossFunction<
  [input1: TensorInput, input2: TensorInput, target: TensorInput],
  MarginRankingLossOptions
> = functional(marginRanking);

/**
 * `torch.nn.MarginRankingLoss` as a module, with `backward()` for the gradients of input1, input2 and the target
 * (null for an integer target).
 * @example
 * const m = new nn.MarginRankingLoss({ margin: 0.5 });
 * m.forward([1, 2, 3], [2, 2, 1], [1, -1, 1]); // 0.6666666865348816 (PyTorch: tensor(0.6667))
 * m.backward()[0]?.toString(); // 'tensor([-0.3333,  0.3333, -0.0000])'
 */
export class MarginRankingLoss<O extends MarginRankingLossOptions = {}> extends Loss<
  [input1: TensorInput, input2: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The margin. */
  declare readonly margin: number;
  /** @param options `margin` (default 0), `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(marginRanking, options);
  }
}
