// SmoothL1Loss: ℓ(d) = 0.5·d²/β for |d| < β, else |d| − 0.5·β (d = x − y), PyTorch's torch.nn.SmoothL1Loss /
// F.smooth_l1_loss. β = 0 is exactly L1, as in PyTorch.
import type { TensorInput } from '../tensor/coerce.js';
import type { Tensor } from '../tensor/tensor.js';
import { describe, rangeError } from '../errors.js';
import { kernels } from '../wasm/instance.js';
import { l1Kernels } from './l1.js';
import { numberOption, optionsObject } from './options.js';
import { pointwiseLoss } from './pointwise.js';
import type { PointwiseKernels } from './pointwise.js';
import { resolveReduction } from './reduction.js';
import type { LossResult, Reduction, ReductionOptions } from './reduction.js';

/** Options of SmoothL1Loss: `reduction` (default `'mean'`), `beta` (default 1, ≥ 0), legacy flags. */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear; default 1. 0 makes it L1. Must not be negative. */
  beta?: number;
}

function betaOf(fn: string, options: SmoothL1LossOptions): number {
  const beta = numberOption(fn, 'beta', options.beta, 1);
  // PyTorch: "smooth_l1_loss does not support negative values for beta." NaN fails that check too.
  if (!(beta >= 0)) throw rangeError(fn, 'beta must not be negative', describe(beta));
  return beta;
}

function smoothKernels(beta: number): (dtype: 'float32' | 'float64') => PointwiseKernels {
  if (beta === 0) return l1Kernels;
  return (dtype) => {
    const k = kernels();
    return dtype === 'float32'
      ? { sum: (a, b, n) => k.smooth_l1_sum_f32(a, b, n, beta), map: (a, b, o, n) => k.smooth_l1_f32(a, b, o, n, beta) }
      : { sum: (a, b, n) => k.smooth_l1_sum_f64(a, b, n, beta), map: (a, b, o, n) => k.smooth_l1_f64(a, b, o, n, beta) };
  };
}

function run(fn: string, input: TensorInput, target: TensorInput, reduction: Reduction, beta: number): number | Tensor {
  return pointwiseLoss(fn, input, target, reduction, smoothKernels(beta));
}

/**
 * Smooth L1 loss, like `torch.nn.functional.smooth_l1_loss`: quadratic below `beta`, linear above.
 * @param input Predictions (float32 or float64).
 * @param target Targets, broadcastable with `input`.
 * @param options `reduction` (default `'mean'`) and `beta` (default 1; 0 gives L1).
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors or malformed options.
 * @throws {RangeError} For a negative `beta`, shapes that do not broadcast, or an unknown reduction.
 * @example
 * F.smoothL1Loss([1, 2, 3], [2, 2, 4]); // 0.3333333432674408
 */
export function smoothL1Loss<O extends SmoothL1LossOptions = {}>(input: TensorInput, target: TensorInput, options?: O): LossResult<O> {
  const fn = 'smoothL1Loss';
  const opts = optionsObject(fn, options);
  return run(fn, input, target, resolveReduction(fn, opts), betaOf(fn, opts)) as LossResult<O>;
}

/**
 * `torch.nn.SmoothL1Loss` as a module.
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).forward([1, 2, 3], [2, 2, 4]); // 0.5
 */
export class SmoothL1Loss<O extends SmoothL1LossOptions = {}> {
  /** The effective reduction (legacy flags already applied). */
  readonly reduction: Reduction;
  /** The quadratic-to-linear threshold. */
  readonly beta: number;
  /** @param options `reduction` (default `'mean'`), `beta` (default 1), or the legacy flags. */
  constructor(options?: O) {
    const opts = optionsObject('SmoothL1Loss', options);
    this.reduction = resolveReduction('SmoothL1Loss', opts);
    this.beta = betaOf('SmoothL1Loss', opts);
  }
  /** The loss of `input` against `target`; see `smoothL1Loss`. */
  forward(input: TensorInput, target: TensorInput): LossResult<O> {
    return run('SmoothL1Loss.forward', input, target, this.reduction, this.beta) as LossResult<O>;
  }
}
