// MSELoss: ℓ = (x − y)² per element, PyTorch's torch.nn.MSELoss / F.mse_loss. Kernel: assembly/elementwise/terms/sq_diff.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';

/** Options of MSELoss (PyTorch's keyword arguments in camelCase). */
export interface MSELossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  sizeAverage?: boolean;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  reduce?: boolean;
}

const mse = elementwiseLoss({
  name: 'mseLoss',
  className: 'MSELoss',
  options: {},
  shapes: 'broadcast',
  term: () => ({ term: 'sq_diff' }),
});

/**
 * Mean squared error, like `torch.nn.functional.mse_loss`: (input − target)² per element, then reduced.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input` (PyTorch warns when the shapes differ; so does simdloss, once).
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of nothing); a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors, unknown option keys or malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @example
 * F.mseLoss([1, 2, 3], [2, 2, 4]); // 0.6666666865348816
 */
export const mseLoss: LossFunction<[input: TensorInput, target: TensorInput], MSELossOptions> = functional(mse);

/**
 * `torch.nn.MSELoss`: mean squared error as a module, with `backward()` for its gradients.
 * @example
 * const m = new nn.MSELoss({ reduction: 'sum' });
 * m.forward([1, 2, 3], [2, 2, 4]); // 2
 * m.backward()[0]?.toString(); // 'tensor([-2.,  0., -2.])'
 */
export class MSELoss<O extends MSELossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(mse, options);
  }
}
