// MSELoss: mean squared error, ℓ(x, y) = (x − y)², PyTorch's torch.nn.MSELoss / F.mse_loss.
import type { TensorInput } from '../tensor/coerce.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernels } from '../wasm/instance.js';
import { optionsObject } from './options.js';
import { pointwiseLoss } from './pointwise.js';
import type { PointwiseKernels } from './pointwise.js';
import { resolveReduction } from './reduction.js';
import type { LossResult, Reduction, ReductionOptions } from './reduction.js';

/** Options of MSELoss: `reduction` (default `'mean'`) and the legacy `sizeAverage` / `reduce`. */
export type MSELossOptions = ReductionOptions;

function mseKernels(dtype: 'float32' | 'float64'): PointwiseKernels {
  const k = kernels();
  return dtype === 'float32'
    ? { sum: k.sq_diff_sum_f32, map: k.sq_diff_f32 }
    : { sum: k.sq_diff_sum_f64, map: k.sq_diff_f64 };
}

function run(fn: string, input: TensorInput, target: TensorInput, reduction: Reduction): number | Tensor {
  return pointwiseLoss(fn, input, target, reduction, mseKernels);
}

/**
 * Mean squared error, like `torch.nn.functional.mse_loss`: (input − target)², broadcast, then reduced.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input`.
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors or malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @example
 * F.mseLoss([1, 2, 3], [2, 2, 4]); // 0.6666666865348816
 */
export function mseLoss<O extends MSELossOptions = {}>(input: TensorInput, target: TensorInput, options?: O): LossResult<O> {
  const fn = 'mseLoss';
  return run(fn, input, target, resolveReduction(fn, optionsObject(fn, options))) as LossResult<O>;
}

/**
 * `torch.nn.MSELoss`: mean squared error as a module.
 * @example
 * new nn.MSELoss({ reduction: 'sum' }).forward([1, 2, 3], [2, 2, 4]); // 2
 */
export class MSELoss<O extends MSELossOptions = {}> {
  /** The effective reduction (legacy flags already applied). */
  readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    this.reduction = resolveReduction('MSELoss', optionsObject('MSELoss', options));
  }
  /** The loss of `input` against `target`; see `mseLoss`. */
  forward(input: TensorInput, target: TensorInput): LossResult<O> {
    return run('MSELoss.forward', input, target, this.reduction) as LossResult<O>;
  }
}
