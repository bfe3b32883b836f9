// CTCLoss: the connectionist temporal classification loss, −log Σ over the alignments of each target, PyTorch's
// torch.nn.CTCLoss / F.ctc_loss (CPU, 1.13) with its gradient. Kernels: assembly/rows/ctc.ts, run by src/wasm/ctc.ts.
import { rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction, ReductionSpec } from '../core/options.js';
import { booleanOption, integerOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor, isUntyped } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { CtcJob } from '../wasm/ctc.js';
import { ctcRun } from '../wasm/ctc.js';
import type { FloatDType } from '../wasm/plan.js';

/** Options of CTCLoss (PyTorch's keyword arguments in camelCase; CTCLoss has no legacy sizeAverage / reduce). */
export interface CTCLossOptions {
  /** Class index of the blank label, in [0, C). Default 0. */
  blank?: number;
  /**
   * `'mean'` (default): each sequence's loss divided by its target length (taken as 1 when it is 0), then
   * averaged over the batch; `'sum'`: the losses summed; `'none'`: one loss per sequence.
   */
  reduction?: Reduction;
  /** Replace infinite losses (targets no alignment can produce) and their gradients by 0. Default false. */
  zeroInfinity?: boolean;
}

const OPTIONS = {
  blank: integerOption(0),
  zeroInfinity: booleanOption(false),
};

/** PyTorch's ctc_loss takes 'none' | 'mean' | 'sum' (and the deprecated 'elementwise_mean'), no legacy flags. */
const CTC_REDUCTION: ReductionSpec = {
  allowed: ['none', 'mean', 'sum'],
  default: 'mean',
  legacy: false,
  elementwiseMean: true,
};

interface Settings {
  readonly reduction: Reduction;
  readonly blank: number;
  readonly zeroInfinity: boolean;
}

/** A validated call. */
interface Call {
  readonly job: CtcJob;
  /** logProbs was (T, C): one sequence, and a 0-d 'none' result. */
  readonly unbatched: boolean;
}

interface Saved {
  readonly call: Call;
  readonly nll: Float64Array;
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/** Integer values of a targets or lengths argument (as float64 numbers) and its shape. */
interface Integers {
  readonly values: Float64Array;
  readonly shape: readonly number[];
}

/** A plain-data record `{ data: [...], shape? }` without a dtype: its numbers carry no type. */
function isPlainRecord(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    !(v instanceof Tensor) &&
    !ArrayBuffer.isView(v) &&
    'data' in v &&
    isUntyped((v as { data: unknown }).data) &&
    (v as { dtype?: unknown }).dtype === undefined
  );
}

/**
 * The integers of `value`: plain numbers must be integers (TypeError otherwise); int32 / int64 tensors and typed
 * arrays as they are; float tensors only with `floats` (PyTorch casts float targets to int64, truncating; simdloss
 * takes integral floats and refuses fractions rather than truncate them) — otherwise a TypeError, as PyTorch's
 * "must be integral".
 */
function integersOf(fn: string, name: string, value: unknown, floats: boolean): Integers {
  const plain = isUntyped(value) || isPlainRecord(value);
  const t = asTensor(fn, name, value, 'float64');
  if (!plain && isFloat(t.dtype) && !floats) {
    throw typeError(fn, `${name} must be integral: int32 or int64, or integer numbers`, t.dtype);
  }
  const data = t.data;
  const values = data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>, Number);
  if (plain || isFloat(t.dtype)) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i])) throw typeError(fn, `${name} must hold integers`, `${values[i]} at index ${i}`);
    }
  }
  return { values, shape: t.shape };
}

function lengthsOf(fn: string, name: string, value: unknown, N: number): Float64Array {
  const { values } = integersOf(fn, name, value, false);
  if (values.length !== N) {
    throw rangeError(fn, `${name} must have one length per sequence (N = ${N})`, `${values.length} lengths`);
  }
  return values;
}

function prepare(fn: string, args: readonly unknown[], s: Settings): { call: Call; lp: Tensor } {
  const lp = asTensor(fn, 'logProbs', args[0]);
  if (!isFloat(lp.dtype)) throw typeError(fn, 'logProbs must be a float32 or float64 tensor', lp.dtype);
  if (lp.shape.length !== 2 && lp.shape.length !== 3) {
    throw rangeError(fn, 'logProbs must be (T, N, C), or (T, C) unbatched', `shape ${shapeStr(lp.shape)}`);
  }
  const unbatched = lp.shape.length === 2;
  const T = lp.shape[0];
  const N = unbatched ? 1 : lp.shape[1];
  const C = lp.shape[lp.shape.length - 1];
  const targets = integersOf(fn, 'targets', args[1], true);
  if (targets.shape.length !== 1 && targets.shape.length !== 2) {
    throw rangeError(
      fn,
      'targets must be 1-D (concatenated) or 2-D (N, S) (padded)',
      `shape ${shapeStr(targets.shape)}`,
    );
  }
  if (s.blank < 0 || s.blank >= C) throw rangeError(fn, `blank must be a class index in [0, ${C})`, String(s.blank));
  const il = lengthsOf(fn, 'inputLengths', args[2], N);
  const tl = lengthsOf(fn, 'targetLengths', args[3], N);
  // PyTorch 1.13 does not check the signs of the lengths (it reads memory outside its buffers): refused here.
  for (let b = 0; b < N; b++) {
    if (tl[b] < 0) throw rangeError(fn, `targetLengths must be ≥ 0`, `${tl[b]} for sequence ${b}`);
  }
  const concatenated = targets.shape.length === 1;
  const offsets = new Int32Array(N);
  let total = 0;
  let maxTl = 0;
  for (let b = 0; b < N; b++) {
    offsets[b] = total;
    total += tl[b];
    maxTl = Math.max(maxTl, tl[b]);
  }
  if (concatenated) {
    if (targets.shape[0] !== total) {
      throw rangeError(fn, `concatenated targets must hold Σ targetLengths = ${total} labels`, `${targets.shape[0]}`);
    }
  } else {
    if (targets.shape[0] !== N) {
      throw rangeError(fn, `padded targets must have one row per sequence (N = ${N})`, `${targets.shape[0]} rows`);
    }
    if (targets.shape[1] < maxTl) {
      throw rangeError(
        fn,
        `padded targets must have at least max(targetLengths) = ${maxTl} columns`,
        `${targets.shape[1]}`,
      );
    }
  }
  for (let b = 0; b < N; b++) {
    if (il[b] > T) throw rangeError(fn, `inputLengths must be at most T = ${T}`, `${il[b]} for sequence ${b}`);
    // PyTorch 1.13 reads outside its buffers for an input length of 0 or less: refused here.
    if (il[b] < 1) throw rangeError(fn, 'inputLengths must be at least 1', `${il[b]} for sequence ${b}`);
  }
  if (T === 0) throw rangeError(fn, 'logProbs must have at least one frame', `shape ${shapeStr(lp.shape)}`);
  // Labels: PyTorch 1.13 reads outside the row for labels outside [0, C) and miscounts alignments for the blank.
  const labels = new Int32Array(total);
  const S = concatenated ? 0 : targets.shape[1];
  for (let b = 0; b < N; b++) {
    for (let k = 0; k < tl[b]; k++) {
      const at = concatenated ? offsets[b] + k : b * S + k;
      const v = targets.values[at];
      if (!(v >= 0 && v < C) || v === s.blank) {
        const where = concatenated ? `targets[${at}]` : `targets[${b}, ${k}]`;
        throw rangeError(
          fn,
          `labels must be class indices in [0, ${C}) other than the blank ${s.blank}`,
          `${v} at ${where}, sequence ${b}`,
        );
      }
      labels[offsets[b] + k] = v;
    }
  }
  const job: CtcJob = {
    fn,
    dtype: lp.dtype as FloatDType,
    lp,
    T,
    N,
    C,
    blank: s.blank,
    inputLengths: Int32Array.from(il),
    targetLengths: Int32Array.from(tl),
    labels,
    offsets,
  };
  return { call: { job, unbatched }, lp };
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

/** The loss of each sequence as reduced: +∞ replaced by 0 with zeroInfinity (PyTorch's where(res == inf, 0, res)). */
function lossOf(nll: number, s: Settings): number {
  return s.zeroInfinity && nll === Infinity ? 0 : nll;
}

function reducedValue(call: Call, s: Settings, nll: Float64Array): number | Tensor {
  const { job } = call;
  const round = job.dtype === 'float32' ? Math.fround : (v: number) => v;
  if (s.reduction === 'none') {
    const data = job.dtype === 'float32' ? new Float32Array(job.N) : new Float64Array(job.N);
    for (let b = 0; b < job.N; b++) data[b] = lossOf(nll[b], s);
    return new Tensor(data, call.unbatched ? [] : [job.N], job.dtype);
  }
  let total = 0;
  for (let b = 0; b < job.N; b++) {
    const l = lossOf(nll[b], s);
    total += s.reduction === 'mean' ? l / Math.max(job.targetLengths[b], 1) : l;
  }
  return round(s.reduction === 'mean' ? total / job.N : total);
}

/** d loss / d nll_b for each sequence, times the upstream gradient (PyTorch's order: (g / N) / max(tl, 1)). */
function upstreamOf(call: Call, s: Settings, upstream: number | Tensor): Float64Array {
  const { N, targetLengths } = call.job;
  const out = new Float64Array(N);
  for (let b = 0; b < N; b++) {
    if (typeof upstream !== 'number') out[b] = Number(upstream.data[b]);
    else if (s.reduction === 'mean') out[b] = upstream / N / Math.max(targetLengths[b], 1);
    else out[b] = upstream;
  }
  return out;
}

const ctc: AnyLossDeclaration = {
  name: 'ctcLoss',
  className: 'CTCLoss',
  args: ['logProbs', 'targets', 'inputLengths', 'targetLengths'],
  options: OPTIONS,
  reduction: CTC_REDUCTION,
  kernels: ['ctc_loss', 'ctc_backward'],
  gradThrough: { 0: 'logSoftmax' },
  // Unbatched (T = 2, C = 3) log-probabilities, one label.
  example: () => [
    [
      [-1.2, -0.9, -1.2],
      [-1.0, -1.5, -0.8],
    ],
    [1],
    [2],
    [1],
  ],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, blank: o.blank, zeroInfinity: o.zeroInfinity };
  },
  forward(fn, args, s: Settings): Forward<Saved> {
    const { call, lp } = prepare(fn, args, s);
    const { nll } = ctcRun(call.job, null);
    return { value: reducedValue(call, s, nll), operands: [lp, null, null, null], saved: { call, nll } };
  },
  backward(fn, f: Forward<Saved>, s: Settings, upstream, into: GradInto) {
    const { call } = f.saved;
    const job = { ...call.job, fn };
    const r = ctcRun(job, { upstream: upstreamOf(call, s, upstream), zeroInfinity: s.zeroInfinity, into: into[0] });
    return [r.grad, null, null, null];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, lp } = prepare(fn, args, s);
    const into = checkInto(fn, intoRaw, [lp, null, null, null]);
    const r = ctcRun(call.job, {
      upstream: upstreamOf(call, s, upstream),
      zeroInfinity: s.zeroInfinity,
      into: into[0],
    });
    return { value: reducedValue(call, s, r.nll) as number, grads: [r.grad, null, null, null] };
  },
};
registry.push(ctc);

/**
 * The connectionist temporal classification loss, like `torch.nn.functional.ctc_loss` (PyTorch 1.13): for each
 * sequence, −log of the total probability of every alignment of its target to its input frames (blanks between
 * and around the labels, repeats merged), by the log-space forward recursion over the target's states.
 *
 * Shapes: logProbs (T, N, C), log-probabilities over C classes of T frames of N sequences (usually
 * log_softmax outputs), or (T, C) for one sequence; targets (N, S) padded (sequence b's labels are the first
 * targetLengths[b] of row b; the rest is ignored) or 1-D, the targets concatenated (Σ targetLengths labels);
 * inputLengths and targetLengths one integer per sequence (int32 / int64 tensors, Int32Array, BigInt64Array,
 * number arrays, or a number for unbatched input).
 *
 * Gradient (`backward`, `valueAndGrad`): exactly PyTorch's, which is taken with respect to the logits as if
 * log_softmax came first, not with respect to logProbs as given: it equals the true ∂loss/∂logProbs plus
 * e^logProbs times the upstream gradient, on the frames within each input length (0 beyond them). It is NaN
 * where a log-probability is −∞, and for sequences with an infinite loss (0 with `zeroInfinity`).
 * @param logProbs Log-probabilities (float32 or float64), (T, N, C) or (T, C).
 * @param targets Class indices (not the blank): (N, S) padded, or concatenated 1-D.
 * @param inputLengths Frames of each sequence, in [1, T].
 * @param targetLengths Labels of each sequence (≥ 0).
 * @param options `blank` (default 0), `reduction` (`'mean'` default: each loss divided by its target length,
 *   at least 1, then averaged; `'sum'`; `'none'`) and `zeroInfinity` (default false: a target no alignment can
 *   produce has loss +∞).
 * @returns A number for `'mean'`/`'sum'` (float32 inputs give the float32 value); for `'none'` a Tensor of the
 *   N losses (0-d for unbatched input).
 * @throws {TypeError} For non-float logProbs, lengths that are not integral, non-integer targets, unknown option
 *   keys or malformed options.
 * @throws {RangeError} For logProbs that are not 2-D or 3-D (or have no frames), targets that are not 1-D or
 *   2-D, a blank outside [0, C), lengths that are not one per sequence, targets whose size does not match the
 *   target lengths, an input length outside [1, T] or a negative target length, a label outside [0, C) or equal
 *   to the blank, or an unknown reduction. (PyTorch 1.13 returns unchecked numbers for non-positive input
 *   lengths, negative target lengths and such labels; simdloss refuses them, naming the sequence.)
 * @example
 * const lp = tensor([[[-1.2, -0.9, -1.2]], [[-1.0, -1.5, -0.8]]]); // T = 2, N = 1, C = 3
 * F.ctcLoss(lp, [[1]], [2], [1]); // 1.179305911064148 (PyTorch: tensor(1.1793))
 */
export const ctcLoss: LossFunction<
  [logProbs: TensorInput, targets: TensorInput, inputLengths: TensorInput, targetLengths: TensorInput],
  CTCLossOptions
> = functional(ctc);

/**
 * `torch.nn.CTCLoss` as a module, with `backward()` for the gradient PyTorch gives logProbs (taken as if
 * log_softmax came first; see `F.ctcLoss`). Targets and lengths have none (null).
 * @example
 * const m = new nn.CTCLoss({ reduction: 'sum' });
 * m.forward([[[-1.2, -0.9, -1.2]], [[-1.0, -1.5, -0.8]]], [[1]], [2], [1]); // 1.179305911064148
 * const [dLogits] = m.backward(); // shape [2, 1, 3]
 */
export class CTCLoss<O extends CTCLossOptions = {}> extends Loss<
  [logProbs: TensorInput, targets: TensorInput, inputLengths: TensorInput, targetLengths: TensorInput],
  O
> {
  /** The reduction: 'mean', 'sum' or 'none'. */
  declare readonly reduction: Reduction;
  /** The blank's class index. */
  declare readonly blank: number;
  /** Whether infinite losses (and their gradients) are replaced by 0. */
  declare readonly zeroInfinity: boolean;
  /** @param options `blank` (default 0), `reduction` (default `'mean'`), `zeroInfinity` (default false). */
  constructor(options?: O) {
    super(ctc, options);
  }
}
