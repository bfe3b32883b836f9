// The machinery losses over class scores share (CrossEntropy, NLL, MultiMargin and friends): the [outer, C, inner]
// geometry of (C), (N, C) and (N, C, d1, …) inputs, class-index targets (int64, int32 or plain integers) versus
// class-probability targets (a float target of the input's shape), index-only targets (indexTargetOf), PyTorch's
// shape checks, and per-class weights.
import { rangeError, typeError } from '../errors.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor, isUntyped } from '../tensor/coerce.js';
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';

/** Scores viewed as [outer, C, inner], and the shape of one loss per position. */
export interface Geometry {
  readonly outer: number;
  readonly classes: number;
  readonly inner: number;
  readonly positions: readonly number[];
}

/** The geometry of float scores `x`: (C) is one position, (N, C, d1, …) has N·d1·… positions. */
export function geometryOf(fn: string, x: Tensor): Geometry {
  if (!isFloat(x.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', x.dtype);
  const s = x.shape;
  if (s.length === 0) {
    throw rangeError(fn, 'input must have at least 1 dimension: (C), (N, C) or (N, C, d1, …)', 'shape []');
  }
  if (s.length === 1) return { outer: 1, classes: s[0], inner: 1, positions: [] };
  const positions = [s[0]];
  let inner = 1;
  for (let d = 2; d < s.length; d++) {
    positions.push(s[d]);
    inner *= s[d];
  }
  return { outer: s[0], classes: s[1], inner, positions };
}

/** A target as the loss reads it: class probabilities (input's shape) or class indices (positions' shape). */
export type ClassTarget =
  | { readonly kind: 'prob'; readonly probs: Tensor }
  | { readonly kind: 'index'; readonly data: Int32Array | BigInt64Array; readonly shape: readonly number[] };

/**
 * Decides probabilities versus indices by shape, as PyTorch does: a target with exactly the input's shape holds
 * probabilities, anything else class indices. Plain numbers carry no dtype: of the input's shape they are
 * probabilities in the input's dtype, otherwise class indices that must be integers.
 */
export function classTargetOf(fn: string, x: Tensor, value: unknown): ClassTarget {
  // The common call passes a typed array of class indices: no Tensor needed.
  if (value instanceof Int32Array || value instanceof BigInt64Array) {
    const shape = [value.length];
    if (!sameShape(shape, x.shape)) {
      asTensor(fn, 'target', value); // the detached-buffer check
      return { kind: 'index', data: value, shape };
    }
  }
  const plain =
    isUntyped(value) ||
    (value !== null &&
      typeof value === 'object' &&
      !(value instanceof Tensor) &&
      !ArrayBuffer.isView(value) &&
      'data' in value &&
      isUntyped((value as { data: unknown }).data) &&
      (value as { dtype?: DType }).dtype === undefined);
  if (plain) {
    const t = asTensor(fn, 'target', value, 'float64');
    if (sameShape(t.shape, x.shape)) return { kind: 'prob', probs: asTensor(fn, 'target', value, x.dtype) };
    return { kind: 'index', data: plainIndices(fn, t.data as Float64Array), shape: t.shape };
  }
  const t = asTensor(fn, 'target', value);
  if (sameShape(t.shape, x.shape)) {
    if (!isFloat(t.dtype)) {
      throw typeError(fn, "a target of the input's shape holds class probabilities and must be float", t.dtype);
    }
    return { kind: 'prob', probs: t };
  }
  if (t.dtype !== 'int64' && t.dtype !== 'int32') {
    const what = `target must hold int64 or int32 class indices (or float probabilities of shape ${shapeStr(x.shape)})`;
    throw typeError(fn, what, `${t.dtype} of shape ${shapeStr(t.shape)}`);
  }
  return { kind: 'index', data: t.data as Int32Array | BigInt64Array, shape: t.shape };
}

/** Class indices of any shape, as a loss that takes only indices reads them (NLL, MultiMargin, MultiLabelMargin). */
export interface IndexTarget {
  readonly data: Int32Array | BigInt64Array;
  readonly shape: readonly number[];
}

/**
 * Class indices only, whatever their shape: int64 / int32 tensors, BigInt64Array / Int32Array, or plain integer
 * numbers (never probabilities: PyTorch's nll_loss and the margin losses take int64 targets alone).
 * @throws {TypeError} For a float (or other non-integer) tensor, or plain numbers that are not integers.
 * @throws {RangeError} For plain numbers beyond int32.
 */
export function indexTargetOf(fn: string, value: unknown, what = 'target'): IndexTarget {
  if (value instanceof Int32Array || value instanceof BigInt64Array) {
    asTensor(fn, what, value); // the detached-buffer check
    return { data: value, shape: [value.length] };
  }
  const plain =
    isUntyped(value) ||
    (value !== null &&
      typeof value === 'object' &&
      !(value instanceof Tensor) &&
      !ArrayBuffer.isView(value) &&
      'data' in value &&
      isUntyped((value as { data: unknown }).data) &&
      (value as { dtype?: DType }).dtype === undefined);
  if (plain) {
    const t = asTensor(fn, what, value, 'float64');
    return { data: plainIndices(fn, t.data as Float64Array), shape: t.shape };
  }
  const t = asTensor(fn, what, value);
  if (t.dtype !== 'int64' && t.dtype !== 'int32') {
    throw typeError(fn, `${what} must hold int64 or int32 class indices`, `${t.dtype} of shape ${shapeStr(t.shape)}`);
  }
  return { data: t.data as Int32Array | BigInt64Array, shape: t.shape };
}

/** Plain numbers as int32 class indices. @throws {TypeError} for non-integers, RangeError beyond int32. */
function plainIndices(fn: string, values: Float64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw typeError(fn, 'target class indices must be integers', `${v} at index ${i}`);
    if (v < -2147483648 || v > 2147483647) throw rangeError(fn, `target ${v} is out of bounds`, `${v} at index ${i}`);
    out[i] = v;
  }
  return out;
}

/** PyTorch's nll_loss shape checks for index targets. */
export function checkIndexShape(fn: string, x: Tensor, g: Geometry, shape: readonly number[]): void {
  if (x.shape.length >= 2 && shape.length >= 1 && shape[0] !== g.outer) {
    throw rangeError(fn, `expected input batch_size (${g.outer}) to match target batch_size`, String(shape[0]));
  }
  if (!sameShape(shape, g.positions)) {
    throw rangeError(
      fn,
      `expected a target of shape ${shapeStr(g.positions)} for input of shape ${shapeStr(x.shape)}`,
      shapeStr(shape),
    );
  }
}

/**
 * The per-class weight as a 1-D tensor of C values, or null. With `strict` (index targets) it must have the
 * input's dtype, as PyTorch's nll_loss requires; probability targets promote instead.
 */
export function classWeightOf(
  fn: string,
  value: unknown,
  dtype: FloatDType,
  C: number,
  strict: boolean,
): Tensor | null {
  if (value === null || value === undefined) return null;
  const w = asTensor(fn, 'weight', value as TensorInput, dtype);
  if (!isFloat(w.dtype)) throw typeError(fn, 'weight must be a float32 or float64 tensor', w.dtype);
  if (strict && w.dtype !== dtype) throw typeError(fn, `weight must have the input's dtype ${dtype}`, w.dtype);
  if (w.shape.length !== 1 || w.shape[0] !== C) {
    throw rangeError(
      fn,
      `weight must be 1-D with one value for each of the ${C} classes`,
      `shape ${shapeStr(w.shape)}`,
    );
  }
  return w;
}

/** Unravels a flat position into its index in `shape`, for error messages. */
export function positionStr(pos: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(pos % shape[d]);
    pos = Math.floor(pos / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

/** The RangeError for a class index outside [0, C) at flat position `pos` of the target. */
export function outOfBounds(
  fn: string,
  data: ArrayLike<number | bigint>,
  pos: number,
  shape: readonly number[],
  C: number,
): RangeError {
  const v = String(data[pos]);
  return rangeError(fn, `target ${v} is out of bounds for ${C} classes`, `${v} at ${positionStr(pos, shape)}`);
}
