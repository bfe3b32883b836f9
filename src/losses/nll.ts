// NLLLoss: ℓ = −w_t·x_t per position (x: log-probabilities, t: a class index), PyTorch's torch.nn.NLLLoss /
// F.nll_loss, with ignore_index and the weighted mean over the non-ignored targets' weights (NaN when all are
// ignored). CrossEntropy without the softmax, on CrossEntropy's target machinery (src/losses/class-targets.ts:
// geometry, index targets, shape checks, class weights). It reads one element per position: from JS memory its runner
// (src/wasm/nll.ts, kernels assembly/rows/nll.ts) gathers those instead of staging whole rows; resident (alloc()ed)
// tensors go through CrossEntropy's runner (src/wasm/rows.ts) and kernels (assembly/rows/cross_entropy.ts with
// stats 0: log-probability input), which read them in place. Both follow PyTorch's operation order.
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { integerOption, STANDARD_REDUCTION, tensorOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { residentOf, Tensor, tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { NllJob } from '../wasm/nll.js';
import { nllGrad, nllSums } from '../wasm/nll.js';
import type { IndexTargets, RowsJob } from '../wasm/rows.js';
import { checkTargets, indexGrad, indexLoss } from '../wasm/rows.js';
import type { Geometry } from './class-targets.js';
import { checkIndexShape, classWeightOf, geometryOf, indexTargetOf, outOfBounds } from './class-targets.js';
import type { MSELossOptions } from './mse.js';

/** Options of NLLLoss (PyTorch's keyword arguments in camelCase). */
export interface NLLLossOptions extends MSELossOptions {
  /** Per-class weights: a 1-D float tensor of size C in the input's dtype, or plain numbers. Default none. */
  weight?: TensorInput | null;
  /** Class index whose targets contribute nothing (and are left out of the mean). Default −100. */
  ignoreIndex?: number;
}

const OPTIONS = { weight: tensorOption(), ignoreIndex: integerOption(-100) };

interface Settings {
  readonly reduction: Reduction;
  readonly weight: unknown;
  readonly ignoreIndex: number;
}

/** A validated call: the job, Σ w_t over the non-ignored targets (the 'mean' divisor) and the loss sum. */
interface Call {
  readonly job: NllJob;
  /** The same call for CrossEntropy's runner, which reads resident (alloc()ed) tensors in place. */
  readonly rows: RowsJob;
  readonly targets: IndexTargets;
  readonly g: Geometry;
  readonly weightSum: number;
  readonly nll: number;
  readonly out: Float32Array | Float64Array | null;
  /** (C) input: one position, whose 'none' value is 0-d. */
  readonly unbatched: boolean;
}

/** Validates a call and runs its forward sums; `none`: also each position's loss (but for (C) input). */
function prepare(fn: string, args: readonly unknown[], s: Settings, none: boolean): { call: Call; x: Tensor } {
  const x = asTensor(fn, 'input', args[0]);
  const g = geometryOf(fn, x);
  // PyTorch's nll_loss takes int64 class indices only (no probabilities): a float target is a TypeError, an integer
  // target of the input's shape fails the shape check ("multi-target not supported").
  const t = indexTargetOf(fn, args[1]);
  checkIndexShape(fn, x, g, t.shape);
  const dtype = x.dtype as FloatDType;
  const weight = classWeightOf(fn, s.weight, dtype, g.classes, true);
  // Written out, not spread from a shared part: on Node 20's V8 a spread among other keys costs ~10 µs a call.
  const { outer, classes, inner } = g;
  const job: NllJob = { fn, x, dtype, weight, outer, classes, inner, targets: t.data, ignoreIndex: s.ignoreIndex };
  const rows: RowsJob = { fn, x, dtype, weight, outer, classes, inner, eps: 0, logProbs: true };
  const targets: IndexTargets = { data: t.data, ignoreIndex: s.ignoreIndex };
  const unbatched = x.shape.length === 1;
  const perPosition = none && !unbatched;
  let r: { nll: number; weightSum: number; out: Float32Array | Float64Array | null };
  if (residentOf(x)) {
    // In place through CrossEntropy's runner and kernels (stats 0: log-probabilities): no copy at all.
    const check = checkTargets(rows, targets);
    if (check.bad >= 0) throw outOfBounds(fn, t.data, check.bad, t.shape, g.classes);
    const l = indexLoss(rows, targets, perPosition, false);
    r = { nll: l.nll, weightSum: check.weightSum, out: l.out };
  } else {
    // One pass validates the targets (PyTorch: "Target 3 is out of bounds.") and sums the loss and the weights.
    const l = nllSums(job, perPosition);
    if (l.bad >= 0) throw outOfBounds(fn, t.data, l.bad, t.shape, g.classes);
    r = l;
  }
  return { call: { job, rows, targets, g, weightSum: r.weightSum, nll: r.nll, out: r.out, unbatched }, x };
}

/** ∂loss/∂x: gathered and scattered for JS memory, CrossEntropy's runner when the input or `into` is resident. */
function gradOf(call: Call, fn: string, g: number | Float32Array | Float64Array, into: Tensor | null): Tensor {
  if (residentOf(call.job.x) || (into && residentOf(into)))
    return indexGrad({ ...call.rows, fn }, call.targets, null, g, into, false).grad;
  return nllGrad({ ...call.job, fn }, g, into);
}

/** The reduced value from Σ −w_t·x_t: 'sum' as is, 'mean' divided by Σ w_t (NaN when every target is ignored). */
function reduced(call: Call, reduction: Reduction, nll: number): number {
  const v = reduction === 'sum' ? nll : nll / call.weightSum;
  return call.job.dtype === 'float32' ? Math.fround(v) : v;
}

function upstreamOf(u: number | Tensor, scale: number): number | Float32Array | Float64Array {
  return typeof u === 'number' ? u * scale : (u.data as Float32Array | Float64Array);
}

const nll: AnyLossDeclaration = {
  name: 'nllLoss',
  className: 'NLLLoss',
  args: ['input', 'target'],
  options: OPTIONS,
  reduction: STANDARD_REDUCTION,
  kernels: ['nll_loss', 'nll_backward'],
  example: () => [
    tensor([
      [-0.5, -1.5, -2],
      [-1, -0.25, -3],
    ]),
    tensor([1, 2], { dtype: 'int64' }),
  ],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, weight: o.weight, ignoreIndex: o.ignoreIndex };
  },
  forward(fn, args, s: Settings): Forward<Call> {
    const none = s.reduction === 'none';
    // Unbatched (C) input: PyTorch accumulates its one position from +0 even for 'none' (a 0-d result), so its
    // value is the 'sum' one (−0 becomes +0).
    const { call, x } = prepare(fn, args, s, none);
    let value: number | Tensor;
    if (!none) value = reduced(call, s.reduction, call.nll);
    else if (call.unbatched) {
      const v = reduced(call, 'sum', call.nll);
      value = new Tensor(call.job.dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v), [], call.job.dtype);
    } else value = new Tensor(call.out!, call.g.positions, call.job.dtype);
    return { value, operands: [x, null], saved: call };
  },
  backward(fn, f: Forward<Call>, s: Settings, upstream, into: GradInto) {
    const call = f.saved;
    const g = upstreamOf(upstream, s.reduction === 'mean' ? 1 / call.weightSum : 1);
    return [gradOf(call, fn, g, into[0]), null];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, x } = prepare(fn, args, s, false);
    const into = checkInto(fn, intoRaw, [x, null]);
    const g = upstream * (s.reduction === 'mean' ? 1 / call.weightSum : 1);
    return { value: reduced(call, s.reduction, call.nll), grads: [gradOf(call, fn, g, into[0]), null] };
  },
};
registry.push(nll);

/**
 * The negative log likelihood loss, like `torch.nn.functional.nll_loss` (PyTorch 1.13): −weight[t]·input[t] per
 * position, for log-probabilities (e.g. a log-softmax) and class indices.
 *
 * Layouts: input (C) with a 0-d target, (N, C) with target (N), (N, C, d1, …, dk) with target (N, d1, …, dk); the
 * class dimension is 1 (0 for 1-D input). Targets are class indices: int64 / int32 tensors, BigInt64Array,
 * Int32Array, or integer numbers.
 * @param input Log-probabilities (float32 or float64).
 * @param target Class indices in [0, C), or `ignoreIndex`.
 * @param options `weight` (C values in the input's dtype, default none), `ignoreIndex` (default −100), and
 *   `reduction` (`'mean'` default, `'sum'`, `'none'`; or the legacy `sizeAverage` / `reduce`). 'mean' divides by
 *   the summed weights of the non-ignored targets (their count without weights): NaN when all are ignored.
 * @returns A number for `'mean'`/`'sum'`; for `'none'` a Tensor of the target's shape (0-d for (C) input).
 * @throws {TypeError} For non-float input, targets that are not integers (a float target included), a weight whose
 *   dtype differs from the input's, unknown option keys or malformed options.
 * @throws {RangeError} For 0-d input, mismatched batch or spatial sizes (a target of the input's shape, too),
 *   targets outside [0, C) other than `ignoreIndex`, a weight that is not 1-D of size C, or an unknown reduction.
 * @example
 * F.nllLoss([[-0.5, -1.2, -2.0]], [1]); // 1.2000000476837158 (PyTorch: tensor(1.2000))
 */
export const nllLoss: LossFunction<[input: TensorInput, target: TensorInput], NLLLossOptions> = functional(nll);

/**
 * `torch.nn.NLLLoss` as a module, with `backward()` for the gradient of the log-probabilities (class indices have
 * none).
 * @example
 * const m = new nn.NLLLoss({ weight: [1, 2, 0.5] });
 * m.forward([[-0.5, -1.2, -2.0], [-0.1, -2.5, -3.0]], [1, 0]); // 0.8333333134651184 (PyTorch: tensor(0.8333))
 * const [dx] = m.backward();                                   // d loss / d input, shape [2, 3]
 */
export class NLLLoss<O extends NLLLossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The class weights as given, or null. */
  declare readonly weight: TensorInput | null;
  /** The ignored class index. */
  declare readonly ignoreIndex: number;
  /** @param options `weight`, `ignoreIndex` (default −100), `reduction` (default `'mean'`), or the legacy flags. */
  constructor(options?: O) {
    super(nll, options);
  }
}
