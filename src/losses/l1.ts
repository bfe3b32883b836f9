// L1Loss: mean absolute error, ℓ(x, y) = |x − y|, PyTorch's torch.nn.L1Loss / F.l1_loss.
import type { TensorInput } from '../tensor/coerce.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernels } from '../wasm/instance.js';
import { optionsObject } from './options.js';
import { pointwiseLoss } from './pointwise.js';
import type { PointwiseKernels } from './pointwise.js';
import { resolveReduction } from './reduction.js';
import type { LossResult, Reduction, ReductionOptions } from './reduction.js';

/** Options of L1Loss: `reduction` (default `'mean'`) and the legacy `sizeAverage` / `reduce`. */
export type L1LossOptions = ReductionOptions;

/** @internal The L1 kernels per dtype (also SmoothL1's with β = 0). */
export function l1Kernels(dtype: 'float32' | 'float64'): PointwiseKernels {
  const k = kernels();
  return dtype === 'float32'
    ? { sum: k.abs_diff_sum_f32, map: k.abs_diff_f32 }
    : { sum: k.abs_diff_sum_f64, map: k.abs_diff_f64 };
}

function run(fn: string, input: TensorInput, target: TensorInput, reduction: Reduction): number | Tensor {
  return pointwiseLoss(fn, input, target, reduction, l1Kernels);
}

/**
 * Mean absolute error, like `torch.nn.functional.l1_loss`: |input − target|, broadcast, then reduced.
 * Integer tensors are refused (PyTorch computes 'sum' and 'none' on them; simdloss asks for a float dtype).
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input`.
 * @param options `reduction`: `'mean'` (default), `'sum'` or `'none'`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors or malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @example
 * F.l1Loss([1, 2, 3], [2, 2, 4]); // 0.6666666865348816
 */
export function l1Loss<O extends L1LossOptions = {}>(input: TensorInput, target: TensorInput, options?: O): LossResult<O> {
  const fn = 'l1Loss';
  return run(fn, input, target, resolveReduction(fn, optionsObject(fn, options))) as LossResult<O>;
}

/**
 * `torch.nn.L1Loss`: mean absolute error as a module.
 * @example
 * new nn.L1Loss().forward([1, 2, 3], [2, 2, 4]); // 0.6666666865348816
 */
export class L1Loss<O extends L1LossOptions = {}> {
  /** The effective reduction (legacy flags already applied). */
  readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    this.reduction = resolveReduction('L1Loss', optionsObject('L1Loss', options));
  }
  /** The loss of `input` against `target`; see `l1Loss`. */
  forward(input: TensorInput, target: TensorInput): LossResult<O> {
    return run('L1Loss.forward', input, target, this.reduction) as LossResult<O>;
  }
}
