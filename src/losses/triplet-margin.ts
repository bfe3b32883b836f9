// TripletMarginLoss: max(0, margin + d(a, p) − d(a, n)) per row with d = ‖x − y + eps‖_p over the last dimension
// (swap: d(a, n) → min(d(a, n), d(p, n))), PyTorch's torch.nn.TripletMarginLoss / F.triplet_margin_loss, with its
// gradients through the clamp, the min and the norms. Kernels: assembly/rows/pairwise.ts; the combination per row:
// src/losses/triplet.ts.
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { booleanOption, numberOption, STANDARD_REDUCTION } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { Tensor } from '../tensor/tensor.js';
import type { NormSpec } from '../wasm/pairwise.js';
import type { F64Alloc } from '../wasm/work.js';
import { fresh, scoped } from '../wasm/work.js';
import { normSpec, reduceRows, upstreamRows } from './distances.js';
import type { MSELossOptions } from './mse.js';
import type { NormTriplet } from './triplet.js';
import { checkSameRank, normTriplet, normTripletGrads } from './triplet.js';

/** Options of TripletMarginLoss (PyTorch's keyword arguments in camelCase). */
export interface TripletMarginLossOptions extends MSELossOptions {
  /** The margin; default 1. Any number (PyTorch does not check it). */
  margin?: number;
  /** The norm degree of the distances; default 2. Any number, as `F.pairwiseDistance`'s `p`. */
  p?: number;
  /** Added to every difference before the norm; default 1e-6. */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (the distance swap); default false. */
  swap?: boolean;
}

const OPTIONS = { margin: numberOption(1), p: numberOption(2), eps: numberOption(1e-6), swap: booleanOption(false) };

interface Settings {
  readonly reduction: Reduction;
  readonly margin: number;
  readonly spec: NormSpec;
  readonly swap: boolean;
}

/** The three arguments as Tensors (plain numbers take the anchor's float dtype), same rank as PyTorch requires. */
export function tripletArgs(fn: string, args: readonly unknown[]): Tensor[] {
  const a = asTensor(fn, 'anchor', args[0]);
  const plain = a.dtype === 'float64' ? 'float64' : 'float32';
  return [a, asTensor(fn, 'positive', args[1], plain), asTensor(fn, 'negative', args[2], plain)];
}

function reducedValue(t: NormTriplet, reduction: Reduction): number | Tensor {
  const v = reduceRows(t.rows.loss, reduction, t.dtype, t.rows.outShape);
  return typeof v === 'number' ? v : new Tensor(v.data, v.shape, t.dtype);
}

/** Validates a call and computes its rows, in arrays from `alloc` (pooled: valid only in its scope, src/wasm/work.ts). */
function prepare(fn: string, args: readonly unknown[], s: Settings, alloc: F64Alloc): { t: NormTriplet; ts: Tensor[] } {
  const ts = tripletArgs(fn, args);
  checkSameRank(fn, ts);
  const own = alloc === fresh || s.reduction === 'none';
  return { t: normTriplet(fn, ts, s.spec, s.swap, s.margin, 'margin-first', alloc, own), ts };
}

const triplet: AnyLossDeclaration = {
  name: 'tripletMarginLoss',
  className: 'TripletMarginLoss',
  args: ['anchor', 'positive', 'negative'],
  options: OPTIONS,
  reduction: STANDARD_REDUCTION,
  kernels: ['pd_acc', 'pd_acc2', 'pd_ties', 'pd_grad'],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, margin: o.margin, spec: normSpec(o.p, o.eps), swap: o.swap };
  },
  forward(fn, args, s: Settings, save: boolean): Forward<NormTriplet> {
    if (save) {
      const { t, ts } = prepare(fn, args, s, fresh);
      return { value: reducedValue(t, s.reduction), operands: ts, saved: t };
    }
    // F.tripletMarginLoss takes the value and drops the rest (src/core/loss.ts `functional`): the per-row arrays
    // are pooled scratch, so the saved state is not returned.
    return scoped((alloc) => {
      const { t, ts } = prepare(fn, args, s, alloc);
      return { value: reducedValue(t, s.reduction), operands: ts, saved: undefined as unknown as NormTriplet };
    });
  },
  backward(fn, f: Forward<NormTriplet>, s: Settings, upstream, into: GradInto) {
    const t = f.saved;
    return scoped((alloc) =>
      normTripletGrads(t, upstreamRows(upstream, s.reduction, t.rows.loss.length, alloc), into, fn, alloc),
    );
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    // A reduced value and new gradients: every per-row array is scratch.
    return scoped((alloc) => {
      const { t, ts } = prepare(fn, args, s, alloc);
      const into = checkInto(fn, intoRaw, ts);
      const g = upstreamRows(upstream, s.reduction, t.rows.loss.length, alloc);
      const grads = normTripletGrads(t, g, into, fn, alloc);
      return { value: reducedValue(t, s.reduction) as number, grads };
    });
  },
};
registry.push(triplet);

/**
 * Triplet margin loss, like `torch.nn.functional.triplet_margin_loss`: per row
 * max(0, margin + d(anchor, positive) − d(anchor, negative)) with d(x, y) = ‖x − y + eps‖_p over the last
 * dimension (eps is added to each difference, as PyTorch does); with `swap`, the negative distance is
 * min(d(anchor, negative), d(positive, negative)). Then reduced.
 * @param anchor Embeddings (float32 or float64), (N, D) or unbatched (D).
 * @param positive Embeddings with the same number of dimensions; the three broadcast together.
 * @param negative Embeddings with the same number of dimensions.
 * @param options `margin` (default 1), `p` (default 2), `eps` (default 1e-6), `swap` (default false),
 *   `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'` (NaN for the mean of no rows); for `'none'` a Tensor of one loss per row
 *   (0-d for unbatched inputs).
 * @throws {RangeError} When the three do not have the same number of dimensions or do not broadcast, or for an
 *   unknown reduction.
 * @throws {TypeError} For non-float inputs (PyTorch would promote integers), unknown option keys or malformed
 *   options.
 * @example
 * F.tripletMarginLoss([[1, 2, 3], [0, 0, 0]], [[2, 2, 1], [1, 1, 1]], [[2, 3, 4], [1, 1, 1]]);
 * // 1.252009630203247 (PyTorch: tensor(1.2520))
 */
export const tripletMarginLoss: LossFunction<
  [anchor: TensorInput, positive: TensorInput, negative: TensorInput],
  TripletMarginLossOptions
> = functional(triplet);

/**
 * `torch.nn.TripletMarginLoss` as a module, with `backward()` for the gradients of anchor, positive and negative.
 * @example
 * const m = new nn.TripletMarginLoss({ margin: 0.5, swap: true });
 * m.forward([[1, 2, 3]], [[2, 2, 1]], [[2, 3, 4]]); // 1.0040193796157837 (PyTorch: tensor(1.0040))
 * const [da, dp, dn] = m.backward();
 */
export class TripletMarginLoss<O extends TripletMarginLossOptions = {}> extends Loss<
  [anchor: TensorInput, positive: TensorInput, negative: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The margin. */
  declare readonly margin: number;
  /** The norm degree. */
  declare readonly p: number;
  /** Added to every difference. */
  declare readonly eps: number;
  /** Whether the distance swap is used. */
  declare readonly swap: boolean;
  /**
   * @param options `margin` (default 1), `p` (default 2), `eps` (default 1e-6), `swap` (default false), `reduction`
   *   (default `'mean'`), or the legacy `sizeAverage` / `reduce`.
   */
  constructor(options?: O) {
    super(triplet, options);
  }
}
