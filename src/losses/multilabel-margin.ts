// MultiLabelMarginLoss: the multi-label hinge loss Σ_{j ∈ labels} Σ_{d ∉ labels} max(0, 1 − x_j + x_d) / C per row,
// the labels being a row's targets up to the first −1, PyTorch's torch.nn.MultiLabelMarginLoss /
// F.multilabel_margin_loss (a repeated label counts twice, NaN scores dropped, every target value range-checked),
// with its gradient. Kernel: assembly/rows/multilabel_margin.ts, run by src/wasm/class-rows.ts.
import { rangeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { STANDARD_REDUCTION } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { MultiLabelMarginJob, RowUpstream } from '../wasm/class-rows.js';
import { firstOutside, runMultilabelMarginGrad, runMultilabelMarginLoss } from '../wasm/class-rows.js';
import { indexTargetOf, positionStr } from './class-targets.js';
import { marginRows, reducedRowLoss, rowLossValue } from './margin-rows.js';
import type { MSELossOptions } from './mse.js';

/** Options of MultiLabelMarginLoss: `reduction` (default `'mean'`) or PyTorch's legacy flags. */
export type MultiLabelMarginLossOptions = MSELossOptions;

interface Settings {
  readonly reduction: Reduction;
}

interface Call {
  readonly job: MultiLabelMarginJob;
  /** The 'none' output's shape: [N] for (N, C) input, [] for (C) and 0-d input (PyTorch sizes it by the target). */
  readonly outShape: readonly number[];
}

function prepare(fn: string, args: readonly unknown[], s: Settings): { call: Call; x: Tensor } {
  const x = asTensor(fn, 'input', args[0]);
  const { rows, C, dtype } = marginRows(fn, x);
  const t = indexTargetOf(fn, args[1]);
  // PyTorch: "inconsistent size [...] for argument #2 'target'": the input's shape for (N, C); C values (0-d or
  // 1-D) for (C) and 0-d input.
  const ok = x.shape.length === 2 ? sameShape(t.shape, x.shape) : t.shape.length <= 1 && t.data.length === C;
  if (!ok) {
    const want = x.shape.length === 2 ? `the input's shape ${shapeStr(x.shape)}` : `${C} labels (0-d or 1-D)`;
    throw rangeError(fn, `target must have ${want}`, `shape ${shapeStr(t.shape)}`);
  }
  if (rows === 0 && s.reduction !== 'none') {
    // PyTorch 1.13 returns an output it never wrote (uninitialised memory) for an empty batch.
    throw rangeError(
      fn,
      `an empty batch has no defined '${s.reduction}' (PyTorch 1.13 returns uninitialised memory)`,
      `input of shape ${shapeStr(x.shape)}`,
    );
  }
  // PyTorch checks target.min() >= -1 and target.max() < C over every element, after the first -1 too.
  const bad = firstOutside(fn, t.data, -1, C);
  if (bad >= 0) {
    const v = String(t.data[bad]);
    throw rangeError(
      fn,
      `target is out of range: labels must be in [0, ${C}) or −1`,
      `${v} at ${positionStr(bad, t.shape)}`,
    );
  }
  const job: MultiLabelMarginJob = { fn, dtype, x, rows, C, labels: t.data };
  return { call: { job, outShape: x.shape.length === 2 ? [rows] : [] }, x };
}

function upstreamOf(u: number | Tensor): RowUpstream {
  return typeof u === 'number' ? u : (u.data as Float32Array | Float64Array);
}

/** s of the kernels: PyTorch's g = 1/(N·C) for 'mean', 1/C otherwise. */
function scaleOf(call: Call, reduction: Reduction): number {
  return reduction === 'mean' ? 1 / (call.job.rows * call.job.C) : 1 / call.job.C;
}

const mlm: AnyLossDeclaration = {
  name: 'multilabelMarginLoss',
  className: 'MultiLabelMarginLoss',
  args: ['input', 'target'],
  options: {},
  reduction: STANDARD_REDUCTION,
  kernels: ['index_outside_i32', 'multilabel_margin_loss', 'multilabel_margin_backward'],
  example: () => [
    tensor([
      [0.25, 0.5, 0.75],
      [0.125, 0.625, 0.375],
    ]),
    tensor(
      [
        [1, -1, 0],
        [2, 0, -1],
      ],
      { dtype: 'int64' },
    ),
  ],
  settings(_fn, o: ParsedOptions<{}, Reduction>): Settings {
    return { reduction: o.reduction };
  },
  forward(fn, args, s: Settings, _save): Forward<Call> {
    const { call, x } = prepare(fn, args, s);
    const perRow = s.reduction === 'none' && call.outShape.length > 0;
    const r = runMultilabelMarginLoss(call.job, perRow);
    const value = rowLossValue(r, call.outShape, call.job.rows, s.reduction, call.job.dtype);
    return { value, operands: [x, null], saved: call };
  },
  backward(fn, f: Forward<Call>, s: Settings, upstream, into: GradInto) {
    const call = f.saved;
    return [
      runMultilabelMarginGrad({ ...call.job, fn }, scaleOf(call, s.reduction), upstreamOf(upstream), into[0], false).gx,
      null,
    ];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, x } = prepare(fn, args, s);
    const into = checkInto(fn, intoRaw, [x, null]);
    const r = runMultilabelMarginGrad(call.job, scaleOf(call, s.reduction), upstream, into[0], true);
    return { value: reducedRowLoss(r.total, call.job.rows, s.reduction, call.job.dtype), grads: [r.gx, null] };
  },
};
registry.push(mlm);

/**
 * The multi-label margin (hinge) loss, like `torch.nn.functional.multilabel_margin_loss` (PyTorch 1.13): per row,
 * the labels are its targets up to the first −1, and the loss is Σ over labels j and non-label classes d of
 * max(0, 1 − x[j] + x[d]), divided by C. A label listed twice counts twice; NaN scores add nothing (their gradient
 * is 0); every target value must be in [−1, C), also after the first −1, as PyTorch checks.
 *
 * Layouts: input (N, C) with target (N, C), (C) with target (C), or a 0-d input (one class) with a 0-d target.
 * @param input Scores (float32 or float64), non-empty unless the batch is (then only `'none'`).
 * @param target Labels of the input's shape, padded with −1: int64 / int32 tensors, BigInt64Array, Int32Array, or
 *   integer numbers.
 * @param options `reduction` (`'mean'` default, `'sum'`, `'none'`; or the legacy `sizeAverage` / `reduce`).
 * @returns A number for `'mean'`/`'sum'`; for `'none'` a Tensor of one loss per row ((N) for (N, C) input, 0-d for
 *   (C) and 0-d input).
 * @throws {TypeError} For non-float input, targets that are not integers, unknown option keys or malformed options.
 * @throws {RangeError} For an input that is not 0-d, a non-empty vector or a matrix with classes, a target of
 *   another size, a target value outside [−1, C), an empty batch with `'mean'` or `'sum'` (PyTorch 1.13 returns
 *   uninitialised memory), or an unknown reduction.
 * @example
 * F.multilabelMarginLoss([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]); // 0.8500000238418579 (PyTorch: tensor(0.8500))
 */
export const multilabelMarginLoss: LossFunction<
  [input: TensorInput, target: TensorInput],
  MultiLabelMarginLossOptions
> = functional(mlm);

/**
 * `torch.nn.MultiLabelMarginLoss` as a module, with `backward()` for the gradient of the scores (labels have none).
 * @example
 * const m = new nn.MultiLabelMarginLoss();
 * m.forward([[0.1, 0.2, 0.4, 0.8]], [[3, 0, -1, 1]]); // 0.8500000238418579
 * const [dx] = m.backward();                          // d loss / d input, shape [1, 4]
 */
export class MultiLabelMarginLoss<O extends MultiLabelMarginLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** @param options `reduction` (default `'mean'`) or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(mlm, options);
  }
}
