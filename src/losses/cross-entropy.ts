// CrossEntropyLoss: ℓ = w_t·(logsumexp(x) − x_t) for class indices (with ignore_index and label smoothing), or
// −Σ_c w_c·p_c·log_softmax(x)_c for class probabilities; PyTorch's torch.nn.CrossEntropyLoss / F.cross_entropy,
// with its gradients. Kernels: assembly/rows/stats.ts (softmax statistics) and assembly/rows/cross_entropy.ts.
import { rangeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { integerOption, numberOption, STANDARD_REDUCTION, tensorOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { Tensor, zerosLike } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { IndexTargets, RowsJob, SoftmaxStats, Upstream } from '../wasm/rows.js';
import { checkTargets, indexGrad, indexLoss, probGrad, probLoss } from '../wasm/rows.js';
import type { Geometry } from './class-targets.js';
import { checkIndexShape, classTargetOf, classWeightOf, geometryOf, outOfBounds } from './class-targets.js';
import type { MSELossOptions } from './mse.js';

/** Options of CrossEntropyLoss (PyTorch's keyword arguments in camelCase). */
export interface CrossEntropyLossOptions extends MSELossOptions {
  /** Per-class weights: a 1-D float tensor of size C in the input's dtype, or plain numbers. Default none. */
  weight?: TensorInput | null;
  /** Class index whose targets contribute nothing (and are left out of the mean). Default −100. */
  ignoreIndex?: number;
  /** ε in [0, 1]: targets become (1 − ε)·target + ε/C. Default 0; negative values act as 0, like PyTorch. */
  labelSmoothing?: number;
}

const OPTIONS = {
  weight: tensorOption(),
  ignoreIndex: integerOption(-100),
  labelSmoothing: numberOption(0, (e) => (e > 1 ? 'label_smoothing must be between 0.0 and 1.0' : undefined)),
};

interface Settings {
  readonly reduction: Reduction;
  readonly weight: unknown;
  readonly ignoreIndex: number;
  /** Effective smoothing: PyTorch only smooths when ε > 0 (negative and NaN values are plain cross entropy). */
  readonly eps: number;
}

/** A validated call: the rows job, and its targets. */
type Call =
  | {
      readonly kind: 'index';
      readonly job: RowsJob;
      readonly g: Geometry;
      readonly targets: IndexTargets;
      readonly weightSum: number;
    }
  | { readonly kind: 'prob'; readonly job: RowsJob; readonly g: Geometry; readonly probs: Tensor }
  | { readonly kind: 'empty'; readonly g: Geometry; readonly dtype: FloatDType; readonly probs: Tensor };

interface Saved {
  readonly call: Call;
  readonly stats: SoftmaxStats | null;
}

const FLOAT64_OF = (...ts: (Tensor | null)[]): FloatDType =>
  ts.some((t) => t?.dtype === 'float64') ? 'float64' : 'float32';

function prepare(fn: string, args: readonly unknown[], s: Settings): { call: Call; x: Tensor } {
  const x = asTensor(fn, 'input', args[0]);
  const g = geometryOf(fn, x);
  const t = classTargetOf(fn, x, args[1]);
  // The job is built whole, not spread from a shared part: on V8 11 (Node 20) a spread followed by new keys takes a
  // slow path, ~10 µs a call (most of a small call's cost).
  const jobOf = (dtype: FloatDType, weight: Tensor | null): RowsJob => ({
    fn,
    x,
    dtype,
    outer: g.outer,
    classes: g.classes,
    inner: g.inner,
    weight,
    eps: s.eps,
    logProbs: false,
  });
  if (t.kind === 'prob') {
    if (s.ignoreIndex >= 0) {
      throw rangeError(
        fn,
        'ignore_index is not supported for floating point (probability) targets',
        String(s.ignoreIndex),
      );
    }
    const weight = classWeightOf(fn, s.weight, x.dtype as FloatDType, g.classes, false);
    const dtype = FLOAT64_OF(x, t.probs, weight);
    if (g.classes === 0) return { call: { kind: 'empty', g, dtype, probs: t.probs }, x };
    return { call: { kind: 'prob', job: jobOf(dtype, weight), g, probs: t.probs }, x };
  }
  checkIndexShape(fn, x, g, t.shape);
  const dtype = x.dtype as FloatDType;
  const weight = classWeightOf(fn, s.weight, dtype, g.classes, true);
  const job = jobOf(dtype, weight);
  const targets: IndexTargets = { data: t.data, ignoreIndex: s.ignoreIndex };
  const check = checkTargets(job, targets);
  if (check.bad >= 0) throw outOfBounds(fn, t.data, check.bad, t.shape, g.classes);
  return { call: { kind: 'index', job, g, targets, weightSum: check.weightSum }, x };
}

/** The loss value of an index-target call from its sums (PyTorch's composition of nll_loss and smoothing). */
function indexValue(call: Extract<Call, { kind: 'index' }>, s: Settings, nll: number, smooth: number): number {
  const keep = 1 - s.eps,
    spread = s.eps / call.g.classes;
  let v: number;
  if (s.reduction === 'sum') v = s.eps > 0 ? keep * nll + spread * smooth : nll;
  // 'mean' divides by Σ w_t over non-ignored targets (the count without weights): NaN when none is left.
  else v = s.eps > 0 ? keep * (nll / call.weightSum) + spread * (smooth / call.weightSum) : nll / call.weightSum;
  return call.job.dtype === 'float32' ? Math.fround(v) : v;
}

function probValue(call: Extract<Call, { kind: 'prob' }>, s: Settings, total: number): number {
  // PyTorch: −(lp·y'·w).sum() (so −0 over no positions); the mean divides by numel / C, positions, not weights.
  const v = s.reduction === 'sum' ? -total : -total / (call.job.outer * call.job.inner);
  return call.job.dtype === 'float32' ? Math.fround(v) : v;
}

/** Probability targets over zero classes: every position's loss is −0 (an empty sum, negated); grads are empty. */
function emptyValue(call: Extract<Call, { kind: 'empty' }>, reduction: Reduction): number | Tensor {
  const n = call.g.outer * call.g.inner;
  if (reduction === 'none') {
    return new Tensor(
      (call.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)).fill(-0),
      call.g.positions,
      call.dtype,
    );
  }
  return reduction === 'sum' ? -0 : NaN;
}

function upstreamOf(u: number | Tensor, scale: number): Upstream {
  return typeof u === 'number' ? u * scale : (u.data as Float32Array | Float64Array);
}

const ce: AnyLossDeclaration = {
  name: 'crossEntropy',
  className: 'CrossEntropyLoss',
  args: ['input', 'target'],
  options: OPTIONS,
  reduction: STANDARD_REDUCTION,
  kernels: [
    'softmax_stats',
    'softmax_stats_wide',
    'ce_targets',
    'ce_index_loss',
    'ce_index_grad',
    'ce_index_fused',
    'ce_prob_loss',
    'ce_prob_grad',
  ],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    const eps = o.labelSmoothing;
    return { reduction: o.reduction, weight: o.weight, ignoreIndex: o.ignoreIndex, eps: eps > 0 ? eps : 0 };
  },
  forward(fn, args, s: Settings, save): Forward<Saved> {
    const { call, x } = prepare(fn, args, s);
    const none = s.reduction === 'none';
    if (call.kind === 'empty')
      return { value: emptyValue(call, s.reduction), operands: [x, call.probs], saved: { call, stats: null } };
    if (call.kind === 'prob') {
      const r = probLoss(call.job, call.probs, none, save);
      const value = none ? new Tensor(r.out!, call.g.positions, call.job.dtype) : probValue(call, s, r.total);
      return { value, operands: [x, call.probs], saved: { call, stats: r.stats } };
    }
    // Unbatched (C) input: PyTorch's nll_loss accumulates its one position from +0 even for 'none', so its value
    // is the 'sum' one (this matters for the sign of a zero loss).
    const unbatched = x.shape.length === 1;
    const r = indexLoss(call.job, call.targets, none && !unbatched, save);
    let value: number | Tensor;
    if (!none) value = indexValue(call, s, r.nll, r.smooth);
    else if (unbatched) {
      const v = indexValue(call, { ...s, reduction: 'sum' }, r.nll, r.smooth);
      value = new Tensor(call.job.dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v), [], call.job.dtype);
    } else value = new Tensor(r.out!, call.g.positions, call.job.dtype);
    return { value, operands: [x, null], saved: { call, stats: r.stats } };
  },
  backward(fn, f: Forward<Saved>, s: Settings, upstream, into: GradInto) {
    const { call, stats } = f.saved;
    if (call.kind === 'empty') return [into[0] ?? zerosLike(f.operands[0]!), into[1] ?? zerosLike(call.probs)];
    const job = { ...call.job, fn };
    if (call.kind === 'prob') {
      const g = upstreamOf(upstream, s.reduction === 'mean' ? 1 / (job.outer * job.inner) : 1);
      const r = probGrad(job, call.probs, stats, g, { x: true, y: true }, { x: into[0], y: into[1] }, false);
      return [r.gx, r.gy];
    }
    const g = upstreamOf(upstream, s.reduction === 'mean' ? 1 / call.weightSum : 1);
    return [indexGrad(job, call.targets, stats, g, into[0], false).grad, null];
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    const { call, x } = prepare(fn, args, s);
    if (call.kind === 'empty') {
      const into = checkInto(fn, intoRaw, [x, call.probs]);
      return {
        value: emptyValue(call, s.reduction) as number,
        grads: [into[0] ?? zerosLike(x), into[1] ?? zerosLike(call.probs)],
      };
    }
    if (call.kind === 'prob') {
      const into = checkInto(fn, intoRaw, [x, call.probs]);
      const g = upstream * (s.reduction === 'mean' ? 1 / (call.job.outer * call.job.inner) : 1);
      const r = probGrad(call.job, call.probs, null, g, { x: true, y: true }, { x: into[0], y: into[1] }, true);
      return { value: probValue(call, s, r.total), grads: [r.gx, r.gy] };
    }
    const into = checkInto(fn, intoRaw, [x, null]);
    const g = upstream * (s.reduction === 'mean' ? 1 / call.weightSum : 1);
    const r = indexGrad(call.job, call.targets, null, g, into[0], true);
    return { value: indexValue(call, s, r.nll, r.smooth), grads: [r.grad, null] };
  },
};
registry.push(ce);

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
 *   than the input, a weight whose dtype differs from the input's, unknown option keys or malformed options.
 * @throws {RangeError} For 0-d input, mismatched batch or spatial sizes, targets outside [0, C) other than
 *   `ignoreIndex`, a weight that is not 1-D of size C, `labelSmoothing` > 1, `ignoreIndex` ≥ 0 with probability
 *   targets, or an unknown reduction.
 * @example
 * F.crossEntropy([[0.5, 0.2, 0.3]], tensor([1], { dtype: 'int64' })); // 1.2398310899734497
 * F.crossEntropy([[0.5, 0.2, 0.3]], [1], { labelSmoothing: 0.1 });       // 1.226497769355774
 */
export const crossEntropy: LossFunction<[input: TensorInput, target: TensorInput], CrossEntropyLossOptions> =
  functional(ce);

/**
 * `torch.nn.CrossEntropyLoss` as a module, with `backward()` for the gradient of the logits (and of probability
 * targets; class indices have none).
 * @example
 * const m = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * m.forward([[0.5, 0.2, 0.3]], [1]); // 1.226497769355774
 * const [dx] = m.backward();         // d loss / d logits, shape [1, 3]
 */
export class CrossEntropyLoss<O extends CrossEntropyLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The class weights as given, or null. */
  declare readonly weight: TensorInput | null;
  /** The ignored class index. */
  declare readonly ignoreIndex: number;
  /** The label smoothing as given (values ≤ 0 act as none). */
  declare readonly labelSmoothing: number;
  /**
   * @param options `weight`, `ignoreIndex` (default −100), `reduction` (default `'mean'`), `labelSmoothing`
   *   (default 0), or the legacy `sizeAverage` / `reduce`.
   */
  constructor(options?: O) {
    super(ce, options);
  }
}
