// MultiLabelSoftMarginLoss: −(y·logsigmoid(x) + (1 − y)·logsigmoid(−x))·w averaged over the classes (the last
// dimension), then reduced over the rows; PyTorch's torch.nn.MultiLabelSoftMarginLoss /
// F.multilabel_soft_margin_loss, with the gradients of input and (float) target. Kernel:
// assembly/rows/multilabel_soft_margin.ts, run by src/wasm/class-rows.ts.
import { rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction, ReductionSpec } from '../core/options.js';
import { tensorOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import type { DType } from '../tensor/dtype.js';
import { ARRAY_OF, isFloat } from '../tensor/dtype.js';
import { broadcastShapes, broadcastStrides, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { MultiLabelSoftMarginJob, RowUpstream } from '../wasm/class-rows.js';
import { runMultilabelSoftMarginGrad, runMultilabelSoftMarginLoss } from '../wasm/class-rows.js';
import type { FloatDType } from '../wasm/plan.js';
import { reducedRowLoss, rounded, rowLossTensor } from './margin-rows.js';
import type { MSELossOptions } from './mse.js';

/** Options of MultiLabelSoftMarginLoss (PyTorch's keyword arguments in camelCase). */
export interface MultiLabelSoftMarginLossOptions extends MSELossOptions {
  /**
   * A rescaling weight per class (C values), or any shape that broadcasts to the input's; any numeric dtype (a
   * float64 weight makes the result float64, as PyTorch promotes). Plain numbers take the input's dtype. Default none.
   */
  weight?: TensorInput | null;
}

/** PyTorch's Python implementation checks the reduction itself: 'elementwise_mean' is a ValueError there. */
const REDUCTION: ReductionSpec = {
  allowed: ['none', 'mean', 'sum'],
  default: 'mean',
  legacy: true,
  elementwiseMean: false,
};

const OPTIONS = { weight: tensorOption() };

interface Settings {
  readonly reduction: Reduction;
  readonly weight: unknown;
}

interface Call {
  readonly job: MultiLabelSoftMarginJob;
  /** The target as given (its gradient's shape and dtype), or null for integer targets (no gradient). */
  readonly target: Tensor | null;
  /** The target was broadcast to the input's shape: its gradient is summed back. */
  readonly broadcast: boolean;
  /** The 'none' output's shape: the input's without the last dimension. */
  readonly outShape: readonly number[];
  /** The result's dtype (PyTorch's promotion); the kernels run in job.dtype, float64 also for a broadcast target. */
  readonly dtype: FloatDType;
}

/** `t` broadcast to `shape` (t broadcasts to it) as a new tensor in `dtype`. */
function expand(t: Tensor, shape: readonly number[], dtype: FloatDType): Tensor {
  const n = numelOf(shape);
  const out = new ARRAY_OF[dtype](n);
  const strides = broadcastStrides(t.shape, shape);
  const src = t.data;
  const idx = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Number(src[off]);
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k]++;
      off += strides[k];
      if (idx[k] < shape[k]) break;
      off -= idx[k] * strides[k];
      idx[k] = 0;
    }
  }
  return new Tensor(out, shape, dtype);
}

/** A gradient over `full`'s shape summed (in float64) back to the broadcast operand's shape, in `dtype`. */
function sumBack(full: Tensor, shape: readonly number[], dtype: FloatDType, into: Tensor | null): Tensor {
  const acc = new Float64Array(numelOf(shape));
  const strides = broadcastStrides(shape, full.shape);
  const src = full.data;
  const fs = full.shape;
  const idx = new Array<number>(fs.length).fill(0);
  let off = 0;
  for (let i = 0; i < src.length; i++) {
    acc[off] += Number(src[i]);
    for (let k = fs.length - 1; k >= 0; k--) {
      idx[k]++;
      off += strides[k];
      if (idx[k] < fs[k]) break;
      off -= idx[k] * strides[k];
      idx[k] = 0;
    }
  }
  const out = into ?? new Tensor(new ARRAY_OF[dtype](acc.length), shape, dtype);
  (out.data as Float64Array).set(acc);
  return out;
}

/** The values of `t` as a float tensor in `dtype` (a copy unless it is one already). */
function floatsOf(t: Tensor, dtype: FloatDType): Tensor {
  if (t.dtype === dtype) return t;
  const src = t.data;
  const out = new ARRAY_OF[dtype](src.length);
  if (src instanceof BigInt64Array) for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  else out.set(src as Float64Array);
  return new Tensor(out, t.shape, dtype);
}

/** Checks that `t` broadcasts to the input's shape without enlarging it (simdloss refuses the enlarging case). */
function checkBroadcast(fn: string, what: string, t: Tensor, x: Tensor): void {
  const joint = broadcastShapes(t.shape, x.shape);
  if (!joint) {
    throw rangeError(
      fn,
      `${what} must broadcast to the input's shape ${shapeStr(x.shape)}`,
      `shape ${shapeStr(t.shape)}`,
    );
  }
  if (!sameShape(joint, x.shape)) {
    // PyTorch broadcasts both ways and then sums over input.dim() − 1 of the result, which is then not the classes.
    throw rangeError(
      fn,
      `${what} must broadcast to the input's shape ${shapeStr(x.shape)} (not enlarge it)`,
      `shape ${shapeStr(t.shape)}`,
    );
  }
}

function prepare(fn: string, args: readonly unknown[], s: Settings): { call: Call; x: Tensor } {
  const x = asTensor(fn, 'input', args[0]);
  if (!isFloat(x.dtype)) throw typeError(fn, 'input must be a float32 or float64 tensor', x.dtype);
  // PyTorch: IndexError "Dimension specified as -1 but tensor has no dimensions".
  if (x.shape.length === 0)
    throw rangeError(fn, 'input must have at least 1 dimension (the classes are the last)', 'shape []');
  const t = asTensor(fn, 'target', args[1], x.dtype);
  checkBroadcast(fn, 'target', t, x);
  let w: Tensor | null = null;
  if (s.weight !== null && s.weight !== undefined) {
    w = asTensor(fn, 'weight', s.weight as TensorInput, x.dtype);
    checkBroadcast(fn, 'weight', w, x);
  }
  // PyTorch's type promotion: float64 anywhere among input, a float target and a float weight makes it float64.
  const f64 = (d: DType | undefined): boolean => d === 'float64';
  const dtype: FloatDType = f64(x.dtype) || f64(t.dtype) || f64(w?.dtype) ? 'float64' : 'float32';
  const C = x.shape[x.shape.length - 1];
  const outShape = x.shape.slice(0, -1);
  const rows = numelOf(outShape);
  const broadcast = !sameShape(t.shape, x.shape);
  // A broadcast float target's gradient is a sum over the broadcast dimensions: summed from float32-rounded
  // elements it can cancel to far more than 2 ulp of the result, so such a call runs in float64 (as
  // src/wasm/elementwise.ts does for broadcast operands), its value rounded once to float32.
  const kernel: FloatDType = broadcast && isFloat(t.dtype) ? 'float64' : dtype;
  const y = broadcast ? expand(t, x.shape, kernel) : isFloat(t.dtype) ? t : floatsOf(t, kernel);
  let weight: Tensor | null = null;
  let perClass = false;
  if (w) {
    // One weight per class (every dimension but the last 1): C values; anything else one weight per element.
    perClass = w.shape.slice(0, -1).every((d) => d === 1);
    const last = w.shape.length === 0 ? 1 : w.shape[w.shape.length - 1];
    weight = perClass ? expand(new Tensor(w.data, [last], w.dtype), [C], kernel) : expand(w, x.shape, kernel);
  }
  const job: MultiLabelSoftMarginJob = { fn, dtype: kernel, x, rows, C, y, weight, perClass };
  return { call: { job, target: isFloat(t.dtype) ? t : null, broadcast, outShape, dtype }, x };
}

function upstreamOf(u: number | Tensor): RowUpstream {
  return typeof u === 'number' ? u : (u.data as Float32Array | Float64Array);
}

/** s of the kernels: PyTorch's mean of the row sums divided by C. */
function scaleOf(call: Call, reduction: Reduction): number {
  return reduction === 'mean' ? 1 / (call.job.rows * call.job.C) : 1 / call.job.C;
}

/** Both gradients: x's, and the float target's (summed back to its shape when it was broadcast). */
function grads(
  call: Call,
  s: number,
  g: RowUpstream,
  into: GradInto,
  fused: boolean,
): { gx: Tensor; gy: Tensor | null; total: number } {
  const t = call.target;
  const direct = t !== null && !call.broadcast;
  const r = runMultilabelSoftMarginGrad(call.job, s, g, t !== null, { x: into[0], y: direct ? into[1] : null }, fused);
  let gy = r.gy;
  if (t !== null && call.broadcast) gy = sumBack(r.gy!, t.shape, t.dtype as FloatDType, into[1]);
  return { gx: r.gx, gy, total: r.total };
}

const mlsm: AnyLossDeclaration = {
  name: 'multilabelSoftMarginLoss',
  className: 'MultiLabelSoftMarginLoss',
  args: ['input', 'target'],
  options: OPTIONS,
  reduction: REDUCTION,
  kernels: ['multilabel_soft_margin_loss', 'multilabel_soft_margin_backward'],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, weight: o.weight };
  },
  forward(fn, args, s: Settings, _save): Forward<Call> {
    const { call, x } = prepare(fn, args, s);
    const perRow = s.reduction === 'none' && call.outShape.length > 0;
    const r = runMultilabelSoftMarginLoss(call.job, perRow);
    let value: number | Tensor;
    if (s.reduction !== 'none') value = reducedRowLoss(r.total, call.job.rows, s.reduction, call.dtype);
    else if (call.job.dtype === call.dtype || !r.out) value = rowLossTensor(r, call.outShape, call.dtype);
    else
      value = new Tensor(
        Float32Array.from(r.out, (v) => rounded(v, 'float32')),
        call.outShape,
        call.dtype,
      );
    return { value, operands: [x, call.target], saved: call };
  },
  backward(fn, f: Forward<Call>, s: Settings, upstream, into: GradInto) {
    const call = f.saved;
    const r = grads(
      { ...call, job: { ...call.job, fn } },
      scaleOf(call, s.reduction),
      upstreamOf(upstream),
      into,
      false,
    );
    return [r.gx, r.gy];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, x } = prepare(fn, args, s);
    const into = checkInto(fn, intoRaw, [x, call.target]);
    const r = grads(call, scaleOf(call, s.reduction), upstream, into, true);
    return { value: reducedRowLoss(r.total, call.job.rows, s.reduction, call.dtype), grads: [r.gx, r.gy] };
  },
};
registry.push(mlsm);

/**
 * The multi-label soft margin loss, like `torch.nn.functional.multilabel_soft_margin_loss` (PyTorch 1.13):
 * −(target·logsigmoid(input) + (1 − target)·logsigmoid(−input))·weight per element, averaged over the classes (the
 * last dimension), then reduced over the rows. Targets are not range-checked (as in PyTorch); an infinite input
 * whose target makes a term 0·∞ gives NaN, as PyTorch's.
 * @param input Scores (float32 or float64) of at least 1 dimension: (C), (N, C), or (…, C).
 * @param target Targets that broadcast to the input's shape (usually 0/1 labels of its shape), float (with a
 *   gradient) or integer (without); plain numbers take the input's dtype.
 * @param options `weight` (C values per class, or any shape that broadcasts to the input's; default none) and
 *   `reduction` (`'mean'` default, `'sum'`, `'none'`; or the legacy `sizeAverage` / `reduce`; 'elementwise_mean' is
 *   refused, as PyTorch 1.13's Python code refuses it).
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of no rows); for `'none'` a Tensor of the input's shape
 *   without the last dimension (0-d for (C) input). float64 when the input, a float target or the weight is.
 * @throws {TypeError} For non-float input, unknown option keys or malformed options.
 * @throws {RangeError} For 0-d input, a target or weight that does not broadcast to the input's shape (or would
 *   enlarge it, where PyTorch would sum over a dimension that is not the classes), or an unknown reduction.
 * @example
 * F.multilabelSoftMarginLoss([[0.1, 0.2, 0.4, 0.8]], [[1, 0, 0, 1]]); // 0.6816628575325012 (PyTorch: tensor(0.6817))
 */
export const multilabelSoftMarginLoss: LossFunction<
  [input: TensorInput, target: TensorInput],
  MultiLabelSoftMarginLossOptions
> = functional(mlsm);

/**
 * `torch.nn.MultiLabelSoftMarginLoss` as a module, with `backward()` for the gradients of the input and a float
 * target.
 * @example
 * const m = new nn.MultiLabelSoftMarginLoss({ weight: [1, 2, 1, 2] });
 * m.forward([[0.1, 0.2, 0.4, 0.8]], [[1, 0, 0, 1]]); // 0.9739727973937988
 * const [dx, dy] = m.backward();                     // d loss / d input and d loss / d target, shape [1, 4]
 */
export class MultiLabelSoftMarginLoss<O extends MultiLabelSoftMarginLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The class weights as given, or null. */
  declare readonly weight: TensorInput | null;
  /** @param options `weight`, `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(mlsm, options);
  }
}
