// MultiMarginLoss: the multi-class hinge loss Σ_{d≠y} max(0, margin − x_y + x_d)^p·w_y / C per row, PyTorch's
// torch.nn.MultiMarginLoss / F.multi_margin_loss (p 1 or 2, the weight applied after the power, NaN scores
// dropped), with its gradient. Kernel: assembly/rows/multi_margin.ts, run by src/wasm/class-rows.ts.
import { rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { numberOption, STANDARD_REDUCTION, tensorOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { type Tensor, tensor } from '../tensor/tensor.js';
import type { MultiMarginJob, RowUpstream } from '../wasm/class-rows.js';
import { firstOutside, runMultiMarginGrad, runMultiMarginLoss } from '../wasm/class-rows.js';
import type { FloatDType } from '../wasm/plan.js';
import { indexTargetOf, positionStr } from './class-targets.js';
import type { MSELossOptions } from './mse.js';
import { marginRows, reducedRowLoss, rowLossValue } from './margin-rows.js';

/** Options of MultiMarginLoss (PyTorch's keyword arguments in camelCase). */
export interface MultiMarginLossOptions extends MSELossOptions {
  /** The power of the hinge: 1 (default) or 2. */
  p?: number;
  /** The margin; default 1. */
  margin?: number;
  /**
   * Per-class weights (applied to each row by its target's class, after the power): a 1-D float tensor of size C
   * in the input's dtype, or plain numbers. Default none.
   */
  weight?: TensorInput | null;
}

const OPTIONS = {
  // PyTorch: ValueError "only p == 1 and p == 2 supported".
  p: numberOption(1, (p) => (p === 1 || p === 2 ? undefined : 'only p == 1 and p == 2 supported')),
  margin: numberOption(1),
  weight: tensorOption(),
};

interface Settings {
  readonly reduction: Reduction;
  readonly p: number;
  readonly margin: number;
  readonly weight: unknown;
}

interface Call {
  readonly job: MultiMarginJob;
  /** The 'none' output's shape: [N], or [] when the target is 0-d (PyTorch sizes it by the target). */
  readonly outShape: readonly number[];
}

/** The weight as PyTorch's multi_margin_loss takes it: 1-D, the input's dtype, and (here) exactly C values. */
function weightOf(fn: string, value: unknown, dtype: FloatDType, C: number): Tensor | null {
  if (value === null || value === undefined) return null;
  const w = asTensor(fn, 'weight', value as TensorInput, dtype);
  if (!isFloat(w.dtype)) throw typeError(fn, 'weight must be a float32 or float64 tensor', w.dtype);
  // PyTorch: ValueError "weight must be one-dimensional".
  if (w.shape.length !== 1) throw rangeError(fn, 'weight must be one-dimensional', `shape ${shapeStr(w.shape)}`);
  // PyTorch 1.13 does not check the size and reads weight[target] out of bounds when it is too short (later
  // versions refuse any size but C): a RangeError for every size but C.
  if (w.shape[0] !== C) {
    throw rangeError(fn, `weight must have one value for each of the ${C} classes`, `shape ${shapeStr(w.shape)}`);
  }
  // PyTorch: "expected scalar type Float but found Double".
  if (w.dtype !== dtype) throw typeError(fn, `weight must have the input's dtype ${dtype}`, w.dtype);
  return w;
}

function prepare(fn: string, args: readonly unknown[], s: Settings): { call: Call; x: Tensor } {
  const x = asTensor(fn, 'input', args[0]);
  const { rows, C, dtype } = marginRows(fn, x);
  const t = indexTargetOf(fn, args[1]);
  // PyTorch: "inconsistent target size, got: [...]": at most 1-D, one target per row.
  if (t.shape.length > 1 || t.data.length !== rows) {
    throw rangeError(
      fn,
      `target must hold one class index per row (${rows}), 0-d or 1-D`,
      `shape ${shapeStr(t.shape)}`,
    );
  }
  const weight = weightOf(fn, s.weight, dtype, C);
  if (rows === 0 && s.reduction !== 'none') {
    // PyTorch 1.13 returns an output it never wrote (uninitialised memory) for an empty batch.
    throw rangeError(
      fn,
      `an empty batch has no defined '${s.reduction}' (PyTorch 1.13 returns uninitialised memory)`,
      `input of shape ${shapeStr(x.shape)}`,
    );
  }
  const bad = firstOutside(fn, t.data, 0, C);
  if (bad >= 0) {
    const v = String(t.data[bad]);
    throw rangeError(
      fn,
      `target out of range: class indices must be in [0, ${C})`,
      `${v} at ${positionStr(bad, t.shape)}`,
    );
  }
  const job: MultiMarginJob = { fn, dtype, x, rows, C, targets: t.data, p: s.p, margin: s.margin, weight };
  return { call: { job, outShape: t.shape.length === 0 ? [] : [rows] }, x };
}

function upstreamOf(u: number | Tensor, scale: number): RowUpstream {
  return typeof u === 'number' ? u * scale : (u.data as Float32Array | Float64Array);
}

/** s of the kernels: PyTorch's g = 1/(N·C) for 'mean', 1/C otherwise. */
function scaleOf(call: Call, reduction: Reduction): number {
  return reduction === 'mean' ? 1 / (call.job.rows * call.job.C) : 1 / call.job.C;
}

const mm: AnyLossDeclaration = {
  name: 'multiMarginLoss',
  className: 'MultiMarginLoss',
  args: ['input', 'target'],
  options: OPTIONS,
  reduction: STANDARD_REDUCTION,
  kernels: ['index_outside_i32', 'multi_margin_loss', 'multi_margin_backward'],
  example: () => [
    tensor([
      [0.25, 0.5, 0.75],
      [0.125, 0.625, 0.375],
    ]),
    tensor([1, 2], { dtype: 'int64' }),
  ],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, p: o.p, margin: o.margin, weight: o.weight };
  },
  forward(fn, args, s: Settings, _save): Forward<Call> {
    const { call, x } = prepare(fn, args, s);
    const perRow = s.reduction === 'none' && call.outShape.length > 0;
    const r = runMultiMarginLoss(call.job, perRow);
    const value = rowLossValue(r, call.outShape, call.job.rows, s.reduction, call.job.dtype);
    return { value, operands: [x, null], saved: call };
  },
  backward(fn, f: Forward<Call>, s: Settings, upstream, into: GradInto) {
    const call = f.saved;
    return [
      runMultiMarginGrad({ ...call.job, fn }, scaleOf(call, s.reduction), upstreamOf(upstream, 1), into[0], false).gx,
      null,
    ];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, x } = prepare(fn, args, s);
    const into = checkInto(fn, intoRaw, [x, null]);
    const r = runMultiMarginGrad(call.job, scaleOf(call, s.reduction), upstream, into[0], true);
    return { value: reducedRowLoss(r.total, call.job.rows, s.reduction, call.job.dtype), grads: [r.gx, null] };
  },
};
registry.push(mm);

/**
 * The multi-class margin (hinge) loss, like `torch.nn.functional.multi_margin_loss` (PyTorch 1.13): per row,
 * Σ_{d ≠ y} max(0, margin − x[y] + x[d])^p · weight[y] / C, where y is the row's target class. NaN scores add nothing
 * (PyTorch's `if (z > 0)`), so their gradient is 0.
 *
 * Layouts: input (N, C) with target (N) (or 0-d when N = 1), (C) with a 0-d target (or one of length 1), or a 0-d
 * input (one class).
 * @param input Scores (float32 or float64), non-empty unless the batch is (then only `'none'`).
 * @param target Class indices in [0, C): int64 / int32 tensors, BigInt64Array, Int32Array, or integer numbers.
 * @param options `p` (1 default, or 2), `margin` (default 1), `weight` (C values in the input's dtype, default
 *   none), `reduction` (`'mean'` default, `'sum'`, `'none'`; or the legacy `sizeAverage` / `reduce`).
 * @returns A number for `'mean'`/`'sum'`; for `'none'` a Tensor of one loss per row, shaped like the target (0-d
 *   for a 0-d target).
 * @throws {TypeError} For non-float input, targets that are not integers, a weight whose dtype differs from the
 *   input's, a `p` or `margin` that is not a number, unknown option keys or malformed options.
 * @throws {RangeError} For a `p` other than 1 or 2, an input that is not 0-d, a non-empty vector or a matrix with
 *   classes, a target that is not one index per row or outside [0, C), a weight that is not 1-D of size C (PyTorch
 *   1.13 reads out of bounds there), an empty batch with `'mean'` or `'sum'` (PyTorch 1.13 returns uninitialised
 *   memory), or an unknown reduction.
 * @example
 * F.multiMarginLoss([[0.1, 0.2, 0.4, 0.8]], [3]); // 0.32499998807907104 (PyTorch: tensor(0.3250))
 */
export const multiMarginLoss: LossFunction<[input: TensorInput, target: TensorInput], MultiMarginLossOptions> =
  functional(mm);

/**
 * `torch.nn.MultiMarginLoss` as a module, with `backward()` for the gradient of the scores (class indices have
 * none).
 * @example
 * const m = new nn.MultiMarginLoss({ p: 2, margin: 0.5 });
 * m.forward([[0.1, 0.2, 0.4, 0.8]], [1]); // 0.4650000333786011 (PyTorch: tensor(0.4650))
 * const [dx] = m.backward();              // d loss / d input, shape [1, 4]
 */
export class MultiMarginLoss<O extends MultiMarginLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The power of the hinge (1 or 2). */
  declare readonly p: number;
  /** The margin. */
  declare readonly margin: number;
  /** The class weights as given, or null. */
  declare readonly weight: TensorInput | null;
  /** @param options `p` (default 1), `margin` (default 1), `weight`, `reduction` (default `'mean'`), or the legacy flags. */
  constructor(options?: O) {
    super(mm, options);
  }
}
