// The shared driver of the pointwise regression losses (MSE, L1, SmoothL1): PyTorch broadcasts input and
// target, applies an elementwise term, then reduces.
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { asTensor } from '../tensor/coerce.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { rangeError, typeError } from '../errors.js';
import { warnOnce } from '../warnings.js';
import { streamMap, streamSum, sumPair } from '../wasm/stream.js';
import type { FloatDType } from '../wasm/stream.js';
import type { Reduction } from './reduction.js';

/** One pointwise loss's kernels for a dtype: the float64 sum of terms, and the elementwise terms. */
export interface PointwiseKernels {
  sum(a: number, b: number, n: number): number;
  map(a: number, b: number, out: number, n: number): void;
}

/** The float dtype two float tensors compute in: float64 when either is (PyTorch's type promotion). */
export function promoteFloat(fn: string, a: Tensor, b: Tensor): FloatDType {
  if (!isFloat(a.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', a.dtype);
  if (!isFloat(b.dtype)) throw typeError(fn, 'target must be a float32 or float64 tensor', b.dtype);
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

/** input and target as Tensors; untyped target data takes the input's float dtype. */
export function inputAndTarget(fn: string, input: unknown, target: unknown): [Tensor, Tensor] {
  const x = asTensor(fn, 'input', input);
  const plain: DType = x.dtype === 'float64' ? 'float64' : 'float32';
  return [x, asTensor(fn, 'target', target, plain)];
}

/** A reduced number as the result dtype holds it: float32 results are rounded once, here. */
export function asResult(value: number, dtype: FloatDType): number {
  return dtype === 'float32' ? Math.fround(value) : value;
}

/**
 * Runs a pointwise loss: validates and broadcasts input and target, then reduces with `pick(dtype)`'s kernels.
 * Returns a number for 'mean' and 'sum', a Tensor of the broadcast shape for 'none'.
 */
export function pointwiseLoss(
  fn: string, input: unknown, target: unknown, reduction: Reduction,
  pick: (dtype: FloatDType) => PointwiseKernels,
): number | Tensor {
  if (reduction !== 'none') {
    const fast = typedArraySum(input, target, reduction, pick);
    if (fast !== undefined) return fast;
  }
  const [x, t] = inputAndTarget(fn, input, target);
  const dtype = promoteFloat(fn, x, t);
  const shape = broadcastShapes(x.shape, t.shape);
  if (!shape) {
    throw rangeError(fn, 'input and target shapes must broadcast', `${shapeStr(x.shape)} and ${shapeStr(t.shape)}`);
  }
  if (!sameShape(x.shape, t.shape)) {
    warnOnce(`${fn}:broadcast`,
      `${fn}: using a target size (${shapeStr(t.shape)}) that is different to the input size (${shapeStr(x.shape)}). ` +
      'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.',
      'UserWarning');
  }
  const k = pick(dtype);
  if (reduction === 'none') {
    return new Tensor(streamMap(dtype, [x, t], shape, (p, out, n) => k.map(p[0], p[1], out, n)), shape, dtype);
  }
  const total = streamSum(dtype, [x, t], shape, (p, n) => k.sum(p[0], p[1], n));
  return asResult(reduction === 'sum' ? total : total / numelOf(shape), dtype);
}

/**
 * Input and target on the per-call fast path: two typed arrays of one float type and length, or two Tensors (in JS
 * or resident in wasm memory) of one float dtype and shape. Either way there is nothing to convert, broadcast or
 * warn about, and no Tensor needs to be made. Host operands carry their data (`ptr` -1); resident ones their byte
 * offset (`data` null).
 */
export interface SamePair {
  dtype: FloatDType;
  n: number;
  a: Float32Array | Float64Array | null;
  aPtr: number;
  b: Float32Array | Float64Array | null;
  bPtr: number;
}

/** The fast-path view of `input` and `target`, or undefined when the general path (and its checks) must run. */
export function samePair(input: unknown, target: unknown): SamePair | undefined {
  if (input instanceof Tensor && target instanceof Tensor) {
    const dtype = input.dtype;
    if ((dtype !== 'float32' && dtype !== 'float64') || target.dtype !== dtype || !sameShape(input.shape, target.shape)) {
      return undefined;
    }
    const aPtr = input.residentPtr;
    const bPtr = target.residentPtr;
    return {
      dtype, n: numelOf(input.shape),
      a: aPtr < 0 ? (input.data as Float32Array) : null, aPtr,
      b: bPtr < 0 ? (target.data as Float32Array) : null, bPtr,
    };
  }
  let dtype: FloatDType;
  if (input instanceof Float32Array && target instanceof Float32Array) dtype = 'float32';
  else if (input instanceof Float64Array && target instanceof Float64Array) dtype = 'float64';
  else return undefined;
  if (target.length !== input.length) return undefined;
  return { dtype, n: input.length, a: input, aPtr: -1, b: target, bPtr: -1 };
}

/** `pointwiseLoss`'s reduction on the fast path, or undefined when the arguments need the general path. */
function typedArraySum(
  input: unknown, target: unknown, reduction: 'mean' | 'sum',
  pick: (dtype: FloatDType) => PointwiseKernels,
): number | undefined {
  const p = samePair(input, target);
  if (!p) return undefined;
  const total = sumPair(p.dtype, p.a, p.aPtr, p.b, p.bPtr, p.n, pick(p.dtype).sum);
  return asResult(reduction === 'sum' ? total : total / p.n, p.dtype);
}
