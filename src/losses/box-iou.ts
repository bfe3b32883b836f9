// The box IoU losses of torchvision 0.14's ops: generalized_box_iou_loss (GIoU), distance_box_iou_loss (DIoU) and
// complete_box_iou_loss (CIoU), for boxes (x1, y1, x2, y2) in the last dimension (formulas in
// assembly/boxes/box_iou.ts). torchvision's quirks, kept: integer boxes are upcast to float32 (and have no
// gradient); boxes2 broadcasts to boxes1's batch shape but never widens it (torchvision's masked write into a
// tensor shaped like boxes1 raises an IndexError otherwise); the mean over no boxes is 0 (torchvision's
// `0.0 * loss.sum()`); identical zero-area boxes give 1 (GIoU, DIoU) and NaN (CIoU: atan(0/0)); CIoU's eps only
// reaches its α term (its DIoU part keeps 1e-7). Deviations: an unknown reduction is a RangeError (torchvision 0.14
// treats it as 'none'); the classes are simdloss's (torchvision has only the functions), with the same options.
// Runner: src/wasm/boxes.ts.
import { rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, LossFunction } from '../core/loss.js';
import { functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction, ReductionSpec } from '../core/options.js';
import { numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { BoxJob, BoxKind } from '../wasm/boxes.js';
import { boxGrads, boxLosses } from '../wasm/boxes.js';
import type { FloatDType } from '../wasm/plan.js';

/** Options of the box IoU losses (torchvision's keyword arguments): `reduction` and `eps`. */
export interface BoxIoULossOptions {
  /** `'none'` (default, as torchvision), `'mean'` (0 for no boxes) or `'sum'`. */
  reduction?: Reduction;
  /** Added to denominators against division by zero; default 1e-7 (CIoU: only in its α term). */
  eps?: number;
}

const OPTIONS = { eps: numberOption(1e-7) };
const REDUCTION: ReductionSpec = {
  allowed: ['none', 'mean', 'sum'],
  default: 'none',
  legacy: false,
  elementwiseMean: false,
};

interface Settings {
  readonly reduction: Reduction;
  readonly eps: number;
}

interface Saved {
  readonly job: BoxJob;
  readonly reduction: Reduction;
}

/** A box argument as a float tensor: integer boxes upcast to float32 (torchvision's _upcast_non_float). */
function boxesOf(fn: string, name: string, value: unknown): { t: Tensor; float: boolean } {
  const t = asTensor(fn, name, value);
  if (t.shape.length === 0 || t.shape[t.shape.length - 1] !== 4) {
    throw rangeError(
      fn,
      `${name} must have boxes (x1, y1, x2, y2) in its last dimension, of size 4`,
      `shape ${shapeStr(t.shape)}`,
    );
  }
  if (isFloat(t.dtype)) return { t, float: true };
  if (t.dtype !== 'int32' && t.dtype !== 'int64')
    throw typeError(fn, `${name} must be a float or integer tensor`, t.dtype);
  return { t: new Tensor(Float32Array.from(t.data as ArrayLike<number>, Number), t.shape, 'float32'), float: false };
}

/** The call of two box arguments: validated, upcast, promoted. */
function jobOf(
  fn: string,
  kind: BoxKind,
  eps: number,
  args: readonly unknown[],
): { job: BoxJob; grads: [boolean, boolean]; given: [Tensor, Tensor] } {
  const a = boxesOf(fn, 'boxes1', args[0]);
  const b = boxesOf(fn, 'boxes2', args[1]);
  const batch1 = a.t.shape.slice(0, -1);
  const batch2 = b.t.shape.slice(0, -1);
  const joint = broadcastShapes(batch1, batch2);
  if (joint === undefined || !sameShape(joint, batch1)) {
    throw rangeError(
      fn,
      `boxes2 must broadcast to boxes1's shape ${shapeStr(a.t.shape)} (torchvision writes the loss into a tensor shaped like boxes1)`,
      `shape ${shapeStr(b.t.shape)}`,
    );
  }
  // torchvision writes the intersection into a tensor of boxes1's dtype: a float64 boxes2 cannot go into float32.
  if (a.t.dtype === 'float32' && b.t.dtype === 'float64') {
    throw typeError(
      fn,
      "boxes2 must not be float64 when boxes1 is float32 or integer (torchvision's index_put into boxes1's dtype refuses it)",
      'float64',
    );
  }
  const dtype = a.t.dtype as FloatDType;
  const job: BoxJob = { fn, dtype, kind, eps, shape: a.t.shape, boxes1: a.t, boxes2: b.t };
  return { job, grads: [a.float, b.float], given: [a.t, b.t] };
}

/** Rounds a float64 result to the call's dtype. */
function rounded(v: number, dtype: FloatDType): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

function declaration(name: string, className: string, kind: BoxKind): AnyLossDeclaration {
  return {
    name,
    className,
    args: ['boxes1', 'boxes2'],
    options: OPTIONS,
    reduction: REDUCTION,
    kernels: ['box_loss', 'box_grad'],
    example: () => [
      [
        [0, 0, 2, 2],
        [1, 1, 3, 4],
      ],
      [
        [0.5, 0, 2, 3],
        [1, 2, 4, 4],
      ],
    ],
    settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
      return { reduction: o.reduction, eps: o.eps };
    },
    forward(fn, args, s: Settings): Forward<Saved> {
      const { job, grads, given } = jobOf(fn, kind, s.eps, args);
      const batch = job.shape.slice(0, -1);
      const n = numelOf(batch);
      const operands = [grads[0] ? given[0] : null, grads[1] ? given[1] : null];
      const saved = { job, reduction: s.reduction };
      if (s.reduction === 'none') {
        const losses = new Float64Array(n);
        boxLosses(job, losses);
        const data = job.dtype === 'float32' ? Float32Array.from(losses) : losses;
        return { value: new Tensor(data, batch, job.dtype), operands, saved };
      }
      const sum = boxLosses(job, null);
      const value = s.reduction === 'sum' ? sum : n === 0 ? 0 : sum / n;
      return { value: rounded(value, job.dtype), operands, saved };
    },
    backward(_fn, f: Forward<Saved>, _s, upstream, into) {
      const { job, reduction } = f.saved;
      const n = numelOf(job.shape) / 4;
      let g: Float64Array | number;
      // float32: PyTorch's float32 upstream (mean: fl32(g) / fl32(n) in float32, as MeanBackward divides)
      if (typeof upstream === 'number') {
        const r = (v: number): number => rounded(v, job.dtype);
        g = reduction === 'mean' ? r(r(upstream) / r(n)) : r(upstream);
      } else g = Float64Array.from(upstream.data as ArrayLike<number>, Number);
      const want: [boolean, boolean] = [f.operands[0] !== null, f.operands[1] !== null];
      const grads = boxGrads(job, g, want, into);
      // The gradients have the arguments' own dtypes (a float32 boxes2 of a float64 call gets a float32 gradient).
      return grads;
    },
  };
}

const giou = declaration('generalizedBoxIouLoss', 'GeneralizedBoxIoULoss', 'giou');
const diou = declaration('distanceBoxIouLoss', 'DistanceBoxIoULoss', 'diou');
const ciou = declaration('completeBoxIouLoss', 'CompleteBoxIoULoss', 'ciou');
registry.push(giou, diou, ciou);

/**
 * Generalized IoU loss, like `torchvision.ops.generalized_box_iou_loss`: 1 − IoU + (C − U)/C per pair of boxes,
 * C the area of the smallest enclosing box, U the union.
 * @param boxes1 Boxes (x1, y1, x2, y2), shape (N, 4), (4) or any [..., 4]; float32, float64, or integers
 *   (upcast to float32, without a gradient).
 * @param boxes2 Boxes of boxes1's shape, or any shape that broadcasts to it without widening it (a single box
 *   (1, 4) against (N, 4); not the reverse).
 * @param options `reduction`: `'none'` (default), `'mean'` (0 for no boxes) or `'sum'`; `eps` (default 1e-7).
 * @returns A Tensor of boxes1's batch shape for `'none'`; a number for `'mean'` and `'sum'`.
 * @throws {RangeError} For a last dimension other than 4, a boxes2 that does not broadcast to boxes1, or an unknown
 *   reduction (torchvision 0.14 silently returns the unreduced loss).
 * @throws {TypeError} For non-numeric boxes, a non-number eps, unknown option keys or malformed options.
 * @example
 * F.generalizedBoxIouLoss([[0, 0, 2, 2]], [[1, 1, 3, 3]], { reduction: 'sum' }); // 1.0793651342391968 (torchvision: tensor(1.0794))
 */
export const generalizedBoxIouLoss: LossFunction<[boxes1: TensorInput, boxes2: TensorInput], BoxIoULossOptions> =
  functional(giou);

/**
 * Distance IoU loss, like `torchvision.ops.distance_box_iou_loss`: 1 − IoU + ρ²/c² per pair of boxes, ρ the
 * distance of the centres and c the diagonal of the smallest enclosing box.
 * @param boxes1 Boxes (x1, y1, x2, y2), as for {@link generalizedBoxIouLoss}.
 * @param boxes2 Boxes broadcasting to boxes1's shape.
 * @param options `reduction`: `'none'` (default), `'mean'` (0 for no boxes) or `'sum'`; `eps` (default 1e-7).
 * @returns A Tensor of boxes1's batch shape for `'none'`; a number for `'mean'` and `'sum'`.
 * @throws {RangeError} For a last dimension other than 4, a boxes2 that does not broadcast to boxes1, or an unknown
 *   reduction.
 * @throws {TypeError} For non-numeric boxes, unknown option keys or malformed options.
 * @example
 * F.distanceBoxIouLoss([[0, 0, 2, 2]], [[1, 1, 3, 3]], { reduction: 'sum' }); // 0.9682539701461792 (torchvision: tensor(0.9683))
 */
export const distanceBoxIouLoss: LossFunction<[boxes1: TensorInput, boxes2: TensorInput], BoxIoULossOptions> =
  functional(diou);

/**
 * Complete IoU loss, like `torchvision.ops.complete_box_iou_loss`: the DIoU loss plus α·v, v = (4/π²)·(atan(W/H) −
 * atan(w/h))² and α = v/(1 − IoU + v + eps) (no gradient through α). A box of zero width and height gives NaN.
 * @param boxes1 Boxes (x1, y1, x2, y2), as for {@link generalizedBoxIouLoss}.
 * @param boxes2 Boxes broadcasting to boxes1's shape.
 * @param options `reduction`: `'none'` (default), `'mean'` (0 for no boxes) or `'sum'`; `eps` (default 1e-7: only
 *   in α, as in torchvision, whose DIoU part keeps 1e-7).
 * @returns A Tensor of boxes1's batch shape for `'none'`; a number for `'mean'` and `'sum'`.
 * @throws {RangeError} For a last dimension other than 4, a boxes2 that does not broadcast to boxes1, or an unknown
 *   reduction.
 * @throws {TypeError} For non-numeric boxes, unknown option keys or malformed options.
 * @example
 * F.completeBoxIouLoss([[0, 0, 2, 2]], [[1, 1, 3, 4]], { reduction: 'sum' }); // 1.0191645622253418 (torchvision: tensor(1.0192))
 */
export const completeBoxIouLoss: LossFunction<[boxes1: TensorInput, boxes2: TensorInput], BoxIoULossOptions> =
  functional(ciou);

/**
 * The generalized IoU loss as a module (simdloss's; torchvision 0.14 has only the function), with `backward()`
 * for the gradients of both sets of boxes.
 * @example
 * new nn.GeneralizedBoxIoULoss({ reduction: 'mean' }).forward([[0, 0, 2, 2]], [[1, 1, 3, 3]]); // 1.0793651342391968
 */
export class GeneralizedBoxIoULoss<O extends BoxIoULossOptions = {}> extends Loss<
  [boxes1: TensorInput, boxes2: TensorInput],
  O
> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** The denominators' eps. */
  declare readonly eps: number;
  /** @param options `reduction` (default `'none'`) and `eps` (default 1e-7). */
  constructor(options?: O) {
    super(giou, options);
  }
}

/**
 * The distance IoU loss as a module (simdloss's), with `backward()`.
 * @example
 * new nn.DistanceBoxIoULoss().forward([[0, 0, 2, 2]], [[1, 1, 3, 3]]); // tensor([0.9683])
 */
export class DistanceBoxIoULoss<O extends BoxIoULossOptions = {}> extends Loss<
  [boxes1: TensorInput, boxes2: TensorInput],
  O
> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** The denominators' eps. */
  declare readonly eps: number;
  /** @param options `reduction` (default `'none'`) and `eps` (default 1e-7). */
  constructor(options?: O) {
    super(diou, options);
  }
}

/**
 * The complete IoU loss as a module (simdloss's), with `backward()` (α held constant, as torchvision's no_grad).
 * @example
 * new nn.CompleteBoxIoULoss({ reduction: 'sum' }).forward([[0, 0, 2, 2]], [[1, 1, 3, 4]]); // 1.0191645622253418
 */
export class CompleteBoxIoULoss<O extends BoxIoULossOptions = {}> extends Loss<
  [boxes1: TensorInput, boxes2: TensorInput],
  O
> {
  /** The reduction. */
  declare readonly reduction: Reduction;
  /** CIoU's α eps. */
  declare readonly eps: number;
  /** @param options `reduction` (default `'none'`) and `eps` (default 1e-7). */
  constructor(options?: O) {
    super(ciou, options);
  }
}
