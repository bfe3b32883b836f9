// HuberLoss: ℓ(z) = 0.5·z² for z = |x − y| < δ, else δ·(z − 0.5·δ), PyTorch's torch.nn.HuberLoss / F.huber_loss.
// Broadcasts like MSE (with PyTorch's "different size" warning); the result has the input's dtype (PyTorch writes
// into a tensor like the input). Kernel: assembly/elementwise/terms/huber.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';

/** Options of HuberLoss: `reduction` (default `'mean'`) and `delta` (default 1, > 0). No legacy flags (as PyTorch). */
export interface HuberLossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; default 1. Must be positive. */
  delta?: number;
}

const huber = elementwiseLoss({
  name: 'huberLoss',
  className: 'HuberLoss',
  resultFrom: 0,
  operands: [{ name: 'target', shape: 'broadcast-warn', kind: 'label' }],
  reduction: { allowed: ['none', 'mean', 'sum'], default: 'mean', legacy: false, elementwiseMean: true },
  // PyTorch: "huber_loss does not support non-positive values for delta." NaN fails that check too.
  options: { delta: numberOption(1, (d) => (d > 0 ? undefined : 'delta must be positive')) },
  term: (o) => ({ term: 'huber', p: o.delta }),
});

/**
 * Huber loss, like `torch.nn.functional.huber_loss`: 0.5·(input − target)² where |input − target| < delta,
 * delta·(|input − target| − 0.5·delta) elsewhere, then reduced. Equals delta · smoothL1Loss with beta = delta.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input` (PyTorch warns when the shapes differ; so does simdloss, once).
 *   A float64 target with a float32 input computes in float64 and gives a float32 result, as PyTorch.
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`; `delta` (default 1).
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of nothing); a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors, unknown option keys or malformed options.
 * @throws {RangeError} For a delta that is not positive, shapes that do not broadcast, or an unknown reduction.
 * @example
 * F.huberLoss([1, 2, 3], [2, 2, 5]); // 0.6666666865348816 (PyTorch: tensor(0.6667))
 */
export const huberLoss: LossFunction<[input: TensorInput, target: TensorInput], HuberLossOptions> = functional(huber);

/**
 * `torch.nn.HuberLoss` as a module, with `backward()` for its gradients.
 * @example
 * new nn.HuberLoss({ reduction: 'sum', delta: 0.5 }).forward([1, 2, 3], [2, 2, 5]); // 1.25
 */
export class HuberLoss<O extends HuberLossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** The quadratic-to-linear threshold. */
  declare readonly delta: number;
  /** @param options `reduction` (default `'mean'`) and `delta` (default 1). */
  constructor(options?: O) {
    super(huber, options);
  }
}
