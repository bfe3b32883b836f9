// BCELoss: binary cross entropy between probabilities and targets, PyTorch's torch.nn.BCELoss /
// F.binary_cross_entropy: ℓ = −w·(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)). Like PyTorch 1.13, the
// second log is log(1 − x), not log1p(−x): see assembly/bce.ts.
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { describe, rangeError, typeError } from '../errors.js';
import { kernels } from '../wasm/instance.js';
import { streamMap, streamSum, sumPair } from '../wasm/stream.js';
import type { FloatDType } from '../wasm/stream.js';
import { optionsObject } from './options.js';
import { asResult, samePair } from './pointwise.js';
import { resolveReduction } from './reduction.js';
import type { LossResult, Reduction, ReductionOptions } from './reduction.js';

/** Options of BCELoss: `weight`, `reduction` (default `'mean'`) and the legacy `sizeAverage` / `reduce`. */
export interface BCELossOptions extends ReductionOptions {
  /**
   * Rescaling weight per element, broadcast to the input's shape (PyTorch expands it to the target's size).
   * Any dtype; it is converted to the input's float dtype (plain arrays are read in it directly).
   */
  weight?: TensorInput | null;
}

function weightOption(fn: string, options: BCELossOptions): Tensor | undefined {
  const w = options.weight;
  // float64 for plain data keeps the numbers exact until the input's dtype is known.
  return w === undefined || w === null ? undefined : asTensor(fn, 'weight', w, 'float64');
}

/** `t` with its elements converted to `dtype` (a copy), or `t` itself when it already has that dtype. */
function inDType(t: Tensor, dtype: FloatDType): Tensor {
  if (t.dtype === dtype) return t;
  const src = t.data;
  const out = dtype === 'float32' ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return new Tensor(out, t.shape, dtype);
}

/** Validated operands: input, target and weight (converted to the input's dtype), and that dtype. */
function operands(fn: string, input: unknown, target: unknown, weight: Tensor | undefined): [Tensor[], FloatDType] {
  const x = asTensor(fn, 'input', input);
  if (!isFloat(x.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', x.dtype);
  const dtype = x.dtype;
  const y = asTensor(fn, 'target', target, dtype);
  if (!sameShape(x.shape, y.shape)) {
    // PyTorch: "Using a target size (...) that is different to the input size (...) is deprecated".
    throw rangeError(fn, `target size must equal the input size ${shapeStr(x.shape)}`, shapeStr(y.shape));
  }
  if (y.dtype !== dtype) {
    // PyTorch: "Found dtype Double but expected Float"; BCE does not promote.
    throw typeError(fn, `target dtype must equal the input dtype ${dtype}`, y.dtype);
  }
  if (weight === undefined) return [[x, y], dtype];
  const joint = broadcastShapes(weight.shape, x.shape);
  if (!joint || !sameShape(joint, x.shape)) {
    throw rangeError(fn, `weight must broadcast to the input size ${shapeStr(x.shape)}`, shapeStr(weight.shape));
  }
  return [[x, y, inDType(weight, dtype)], dtype];
}

/** The RangeError for an input element outside [0, 1] (NaN included), at index `at` of the input's data. */
function invalidInput(fn: string, data: ArrayLike<number | bigint>, at: number): RangeError {
  return rangeError(fn, 'input elements must be between 0 and 1', `${describe(Number(data[at]))} at index ${at}`);
}

/**
 * The per-call fast path of an unweighted reduction: two typed arrays of one float type and length, or two
 * Tensors (in JS or resident) of one float dtype and shape. Nothing to convert, broadcast or validate beyond
 * what the kernel checks, so no Tensor, plan or operand list is made: one closure, then the chunks. Returns
 * undefined for anything else, which takes the general path (and its validation and error messages).
 */
function fastSum(fn: string, input: unknown, target: unknown, reduction: 'mean' | 'sum'): number | undefined {
  const p = samePair(input, target);
  if (!p) return undefined;
  const k = kernels();
  const sum = p.dtype === 'float32' ? k.bce_sum_f32 : k.bce_sum_f64;
  let done = 0;
  const total = sumPair(p.dtype, p.a, p.aPtr, p.b, p.bPtr, p.n, (px, py, len) => {
    const s = sum(px, py, len);
    // A sum is NaN after an invalid input (or from NaN targets): only then is the index worth a wasm call.
    if (s !== s) {
      const bad = k.bce_invalid_index();
      // A resident input's `data` is read now: the scratch arena may have grown the memory since the call began.
      if (bad >= 0) throw invalidInput(fn, input instanceof Tensor ? input.data : p.a!, done + bad);
    }
    done += len;
    return s;
  });
  return asResult(reduction === 'sum' ? total : total / p.n, p.dtype);
}

function run(fn: string, input: unknown, target: unknown, weight: Tensor | undefined, reduction: Reduction): number | Tensor {
  if (weight === undefined && reduction !== 'none') {
    const fast = fastSum(fn, input, target, reduction);
    if (fast !== undefined) return fast;
  }
  const [ops, dtype] = operands(fn, input, target, weight);
  const x = ops[0];
  const k = kernels();
  const f32 = dtype === 'float32';
  // Kernels flag the first input outside [0, 1] of each chunk; `done` turns that into an index of the input.
  let done = 0;
  const checked = (len: number): void => {
    const bad = k.bce_invalid_index();
    if (bad >= 0) throw invalidInput(fn, x.data, done + bad);
    done += len;
  };
  if (reduction === 'none') {
    const map = ops.length === 3
      ? (p: number[], out: number, n: number): void => (f32 ? k.bce_weighted_f32 : k.bce_weighted_f64)(p[0], p[1], p[2], out, n)
      : (p: number[], out: number, n: number): void => (f32 ? k.bce_f32 : k.bce_f64)(p[0], p[1], out, n);
    const data = streamMap(dtype, ops, x.shape, (p, out, n) => { map(p, out, n); checked(n); });
    return new Tensor(data, x.shape, dtype);
  }
  const sum = ops.length === 3
    ? (p: number[], n: number): number => (f32 ? k.bce_weighted_sum_f32 : k.bce_weighted_sum_f64)(p[0], p[1], p[2], n)
    : (p: number[], n: number): number => (f32 ? k.bce_sum_f32 : k.bce_sum_f64)(p[0], p[1], n);
  const total = streamSum(dtype, ops, x.shape, (p, n) => { const s = sum(p, n); checked(n); return s; });
  // PyTorch's apply_loss_reduction: the mean divides by numel (NaN for an empty input), weights or not.
  return asResult(reduction === 'sum' ? total : total / numelOf(x.shape), dtype);
}

/**
 * Binary cross entropy, like `torch.nn.functional.binary_cross_entropy`:
 * −w·(y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)) per element (1 − x rounded in float64, as PyTorch
 * 1.13 does for float64 inputs), then reduced. float32 terms are computed and summed in float64 and the result
 * rounded once to float32.
 * @param input Probabilities in [0, 1] (float32 or float64).
 * @param target Targets of the same shape and dtype (not range-checked, as in PyTorch 1.13; plain arrays take
 *   the input's dtype).
 * @param options `weight` (default none; broadcast to the input's shape), `reduction`: `'mean'` (default),
 *   `'sum'` or `'none'`, or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of an empty input); a Tensor of the input's shape for
 *   `'none'`.
 * @throws {RangeError} For an input element outside [0, 1] or NaN (the message names the first one and its
 *   index), a target shape that differs from the input's, a weight that does not broadcast to it, or an unknown
 *   reduction.
 * @throws {TypeError} For a non-float input, a target dtype other than the input's, or malformed options.
 * @example
 * F.binaryCrossEntropy([0.5, 0.2], [1, 0]); // 0.4581453800201416 (PyTorch: tensor(0.4581))
 */
export function binaryCrossEntropy<O extends BCELossOptions = {}>(input: TensorInput, target: TensorInput, options?: O): LossResult<O> {
  const fn = 'binaryCrossEntropy';
  const opts = optionsObject(fn, options);
  return run(fn, input, target, weightOption(fn, opts), resolveReduction(fn, opts)) as LossResult<O>;
}

/**
 * `torch.nn.BCELoss`: binary cross entropy as a module; see `binaryCrossEntropy`.
 * @example
 * new nn.BCELoss({ weight: [1, 2] }).forward([0.5, 0.2], [1, 0]); // 0.5697171688079834 (PyTorch: tensor(0.5697))
 */
export class BCELoss<O extends BCELossOptions = {}> {
  /** The effective reduction (legacy flags already applied). */
  readonly reduction: Reduction;
  /** The rescaling weight, or undefined. Plain data is held in float64 and read in the input's dtype. */
  readonly weight: Tensor | undefined;
  /** @param options `weight`, `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    const opts = optionsObject('BCELoss', options);
    this.weight = weightOption('BCELoss', opts);
    this.reduction = resolveReduction('BCELoss', opts);
  }
  /** The loss of `input` against `target`; see `binaryCrossEntropy`. */
  forward(input: TensorInput, target: TensorInput): LossResult<O> {
    return run('BCELoss.forward', input, target, this.weight, this.reduction) as LossResult<O>;
  }
}
