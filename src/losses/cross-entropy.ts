// CrossEntropyLoss: ℓ = w_t·(logsumexp(x) − x_t) for class indices (with ignore_index and label smoothing), or
// −Σ_c w_c·p_c·log_softmax(x)_c for class probabilities; PyTorch's torch.nn.CrossEntropyLoss / F.cross_entropy.
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor, isUntyped } from '../tensor/coerce.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { describe, rangeError, typeError } from '../errors.js';
import { crossEntropyIndex, crossEntropyProb } from '../wasm/rows.js';
import type { CrossEntropyJob } from '../wasm/rows.js';
import type { FloatDType } from '../wasm/stream.js';
import { integerOption, numberOption, optionsObject } from './options.js';
import { asResult } from './pointwise.js';
import { resolveReduction } from './reduction.js';
import type { LossResult, Reduction, ReductionOptions } from './reduction.js';

/** Options of CrossEntropyLoss (PyTorch's keyword arguments in camelCase). */
export interface CrossEntropyLossOptions extends ReductionOptions {
  /** Per-class weights: a 1-D float tensor of size C in the input's dtype, or plain numbers. Default none. */
  weight?: TensorInput | null;
  /** Class index whose targets contribute nothing (and are left out of the mean). Default −100. */
  ignoreIndex?: number;
  /** ε in [0, 1]: targets become (1 − ε)·target + ε/C. Default 0; negative values act as 0, like PyTorch. */
  labelSmoothing?: number;
}

/** Validated options. */
interface Settings {
  reduction: Reduction;
  weight: TensorInput | null;
  ignoreIndex: number;
  eps: number;
}

function settingsOf(fn: string, options: CrossEntropyLossOptions | undefined): Settings {
  const opts = optionsObject(fn, options);
  const reduction = resolveReduction(fn, opts);
  const ignoreIndex = integerOption(fn, 'ignoreIndex', opts.ignoreIndex, -100);
  const eps = numberOption(fn, 'labelSmoothing', opts.labelSmoothing, 0);
  if (eps > 1) throw rangeError(fn, 'label_smoothing must be between 0.0 and 1.0', describe(eps));
  // PyTorch only smooths when ε > 0: negative (and NaN) values are silently plain cross entropy.
  return { reduction, weight: opts.weight ?? null, ignoreIndex, eps: eps > 0 ? eps : 0 };
}

/** The logits' geometry: [outer, C, inner] and the shape of one loss per position. */
interface Geometry {
  outer: number;
  classes: number;
  inner: number;
  positions: readonly number[];
}

function geometryOf(fn: string, x: Tensor): Geometry {
  if (!isFloat(x.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', x.dtype);
  const s = x.shape;
  if (s.length === 0) {
    throw rangeError(fn, 'input must have at least 1 dimension: (C), (N, C) or (N, C, d1, …)', 'shape []');
  }
  if (s.length === 1) return { outer: 1, classes: s[0], inner: 1, positions: [] };
  // A plain loop: this runs on every call, and slices and spreads cost more than small inputs' kernels.
  const positions = [s[0]];
  let inner = 1;
  for (let d = 2; d < s.length; d++) {
    positions.push(s[d]);
    inner *= s[d];
  }
  return { outer: s[0], classes: s[1], inner, positions };
}

/** A target as the loss reads it: class probabilities (input's shape) or class indices (positions' shape). */
type Target =
  | { kind: 'prob'; probs: Tensor }
  | { kind: 'index'; data: Int32Array | BigInt64Array; residentPtr: number; shape: readonly number[] };

/**
 * Decides probabilities versus indices by shape, as PyTorch does: a target with exactly the input's shape holds
 * probabilities, anything else class indices. Plain numbers carry no dtype: of the input's shape they are
 * probabilities in the input's dtype, otherwise class indices that must be integers.
 */
function targetOf(fn: string, x: Tensor, value: unknown): Target {
  // The common call passes a typed array of class indices: skip building a Tensor around it (what the general
  // path below would conclude for it, without the allocations).
  if (value instanceof Int32Array || value instanceof BigInt64Array) {
    const shape = [value.length];
    if (!sameShape(shape, x.shape)) return { kind: 'index', data: value, residentPtr: -1, shape };
  }
  const plain = isUntyped(value) ||
    (value !== null && typeof value === 'object' && !(value instanceof Tensor) && !ArrayBuffer.isView(value) &&
      'data' in value && isUntyped((value as { data: unknown }).data) && (value as { dtype?: DType }).dtype === undefined);
  if (plain) {
    const t = asTensor(fn, 'target', value, 'float64');
    if (sameShape(t.shape, x.shape)) return { kind: 'prob', probs: asTensor(fn, 'target', value, x.dtype) };
    return { kind: 'index', data: plainIndices(fn, t.data as Float64Array), residentPtr: -1, shape: t.shape };
  }
  const t = asTensor(fn, 'target', value);
  if (sameShape(t.shape, x.shape)) {
    if (!isFloat(t.dtype)) {
      throw typeError(fn, 'a target of the input\'s shape holds class probabilities and must be float', t.dtype);
    }
    return { kind: 'prob', probs: t };
  }
  if (t.dtype !== 'int64' && t.dtype !== 'int32') {
    const what = `target must hold int64 or int32 class indices (or float probabilities of shape ${shapeStr(x.shape)})`;
    throw typeError(fn, what, `${t.dtype} of shape ${shapeStr(t.shape)}`);
  }
  return { kind: 'index', data: t.data as Int32Array | BigInt64Array, residentPtr: t.residentPtr, shape: t.shape };
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
function checkIndexShape(fn: string, x: Tensor, g: Geometry, shape: readonly number[]): void {
  if (x.shape.length >= 2 && shape.length >= 1 && shape[0] !== g.outer) {
    throw rangeError(fn, `expected input batch_size (${g.outer}) to match target batch_size`, String(shape[0]));
  }
  if (!sameShape(shape, g.positions)) {
    throw rangeError(fn, `expected a target of shape ${shapeStr(g.positions)} for input of shape ${shapeStr(x.shape)}`,
      shapeStr(shape));
  }
}

/** The weight as a typed array of C values, or null. Index targets need the input's dtype; probabilities promote. */
function weightOf(fn: string, value: TensorInput | null, dtype: FloatDType, C: number, strict: boolean): Tensor | null {
  if (value === null) return null;
  const w = asTensor(fn, 'weight', value, dtype);
  if (!isFloat(w.dtype)) throw typeError(fn, 'weight must be a float32 or float64 tensor', w.dtype);
  if (strict && w.dtype !== dtype) throw typeError(fn, `weight must have the input's dtype ${dtype}`, w.dtype);
  if (w.shape.length !== 1 || w.shape[0] !== C) {
    throw rangeError(fn, `weight must be 1-D with one value for each of the ${C} classes`, `shape ${shapeStr(w.shape)}`);
  }
  return w;
}

/** Unravels a flat position into its index in `shape`, for error messages. */
function positionStr(pos: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(pos % shape[d]);
    pos = Math.floor(pos / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}

function run(fn: string, input: TensorInput, target: TensorInput, s: Settings): number | Tensor {
  const x = asTensor(fn, 'input', input);
  const g = geometryOf(fn, x);
  const t = targetOf(fn, x, target);
  const job = (dtype: FloatDType, weight: Tensor | null): CrossEntropyJob => ({
    dtype, input: x, outer: g.outer, classes: g.classes, inner: g.inner,
    weight: weight ? (weight.data as Float32Array | Float64Array) : null, eps: s.eps, perPosition: s.reduction === 'none',
  });

  if (t.kind === 'prob') {
    if (s.ignoreIndex >= 0) {
      throw rangeError(fn, 'ignore_index is not supported for floating point (probability) targets', String(s.ignoreIndex));
    }
    const wt = weightOf(fn, s.weight, x.dtype as FloatDType, g.classes, false);
    const dtype: FloatDType = [x, t.probs, wt].some((v) => v?.dtype === 'float64') ? 'float64' : 'float32';
    if (g.classes === 0) return emptyClasses(g, dtype, s.reduction);
    const r = crossEntropyProb(job(dtype, wt), t.probs);
    if (s.reduction === 'none') return new Tensor(r.out!, g.positions, dtype);
    // PyTorch: −(…).sum(), which is −0 over no positions; the mean divides by numel / C (positions, not weights).
    const total = g.outer * g.inner === 0 ? -0 : r.loss;
    return asResult(s.reduction === 'sum' ? total : total / (x.numel() / g.classes), dtype);
  }

  checkIndexShape(fn, x, g, t.shape);
  const dtype = x.dtype as FloatDType;
  const wt = weightOf(fn, s.weight, dtype, g.classes, true);
  const r = crossEntropyIndex(job(dtype, wt), { data: t.data, residentPtr: t.residentPtr, ignoreIndex: s.ignoreIndex });
  if (r.bad >= 0) {
    const v = String(t.data[r.bad]);
    throw rangeError(fn, `target ${v} is out of bounds for ${g.classes} classes`, `${v} at ${positionStr(r.bad, t.shape)}`);
  }
  if (s.reduction === 'none') return new Tensor(r.out!, g.positions, dtype);
  const keep = 1 - s.eps;
  const spread = s.eps / g.classes;
  if (s.reduction === 'sum') return asResult(s.eps > 0 ? keep * r.loss + spread * r.smooth : r.loss, dtype);
  // 'mean' divides by Σ w_t over non-ignored targets (the count without weights): NaN when none is left.
  const mean = s.eps > 0 ? keep * (r.loss / r.weight) + spread * (r.smooth / r.weight) : r.loss / r.weight;
  return asResult(mean, dtype);
}

/** Probability targets over zero classes: every position's loss is −0 (an empty sum, negated). */
function emptyClasses(g: Geometry, dtype: FloatDType, reduction: Reduction): number | Tensor {
  const n = g.outer * g.inner;
  if (reduction === 'none') {
    return new Tensor((dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)).fill(-0), g.positions, dtype);
  }
  return reduction === 'sum' ? -0 : NaN;
}

/**
 * Cross entropy between logits and targets, like `torch.nn.functional.cross_entropy` (PyTorch 1.13): the fused
 * `logsumexp(x) − x[target]` per position, never materialising the log-softmax.
 *
 * Layouts: input (C) with a 0-d target, (N, C) with target (N), (N, C, d1, …, dk) with target (N, d1, …, dk);
 * the class dimension is 1 (0 for 1-D input). Targets are class indices (int64 / int32 tensors, BigInt64Array,
 * Int32Array, or integer numbers) or, when the target has exactly the input's shape, class probabilities (float).
 * @param input Logits (float32 or float64).
 * @param target Class indices, or probabilities of the input's shape.
 * @param options `weight` (C values, default none), `ignoreIndex` (default −100, index targets only),
 *   `reduction` (`'mean'` default, `'sum'`, `'none'`; or the legacy `sizeAverage` / `reduce`) and `labelSmoothing`
 *   (default 0, at most 1). 'mean' divides by the summed weights of the non-ignored targets (NaN when all are
 *   ignored); with probabilities it divides by the number of positions.
 * @returns A number for `'mean'`/`'sum'` (float32 inputs give the float32 value); for `'none'` a Tensor of the
 *   target's shape (index targets) or the input's shape without the class dimension (probabilities).
 * @throws {TypeError} For non-float input, index targets that are not integers, a float target of another shape
 *   than the input, a weight whose dtype differs from the input's, or malformed options.
 * @throws {RangeError} For 0-d input, mismatched batch or spatial sizes, targets outside [0, C) other than
 *   `ignoreIndex`, a weight that is not 1-D of size C, `labelSmoothing` > 1, `ignoreIndex` ≥ 0 with probability
 *   targets, or an unknown reduction.
 * @example
 * F.crossEntropy([[0.5, 0.2, 0.3]], tensor([1], { dtype: 'int64' })); // 1.2398310899734497
 * F.crossEntropy([[0.5, 0.2, 0.3]], [1], { labelSmoothing: 0.1 });       // 1.226497769355774
 */
export function crossEntropy<O extends CrossEntropyLossOptions = {}>(
  input: TensorInput, target: TensorInput, options?: O,
): LossResult<O> {
  const fn = 'crossEntropy';
  const settings = options === undefined ? (defaultSettings ??= settingsOf(fn, undefined)) : settingsOf(fn, options);
  return run(fn, input, target, settings) as LossResult<O>;
}

/** The settings without options, validated once: the common call `F.crossEntropy(x, y)` skips option parsing. */
let defaultSettings: Settings | undefined;

/**
 * `torch.nn.CrossEntropyLoss` as a module; see `crossEntropy`.
 * @example
 * new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward([[0.5, 0.2, 0.3]], [1]); // 1.226497769355774
 */
export class CrossEntropyLoss<O extends CrossEntropyLossOptions = {}> {
  readonly #settings: Settings;
  /** The effective reduction (legacy flags already applied). */
  readonly reduction: Reduction;
  /** The class weights given, if any. */
  readonly weight: TensorInput | null;
  /** The ignored class index. */
  readonly ignoreIndex: number;
  /** The effective label smoothing (negative values become 0). */
  readonly labelSmoothing: number;
  /**
   * @param options `weight`, `ignoreIndex` (default −100), `reduction` (default `'mean'`), `labelSmoothing`
   *   (default 0), or the legacy `sizeAverage` / `reduce`.
   */
  constructor(options?: O) {
    this.#settings = settingsOf('CrossEntropyLoss', options);
    this.reduction = this.#settings.reduction;
    this.weight = this.#settings.weight;
    this.ignoreIndex = this.#settings.ignoreIndex;
    this.labelSmoothing = this.#settings.eps;
  }
  /** The loss of logits `input` against `target`; see `crossEntropy`. */
  forward(input: TensorInput, target: TensorInput): LossResult<O> {
    return run('CrossEntropyLoss.forward', input, target, this.#settings) as LossResult<O>;
  }
}
