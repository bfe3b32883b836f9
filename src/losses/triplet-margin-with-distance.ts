// TripletMarginWithDistanceLoss: max(0, d(a, p) − d(a, n) + margin) per row for a distance function d (default
// F.pairwiseDistance: the p = 2, eps = 1e-6 norm; swap: d(a, n) → min(d(a, n), d(p, n))), PyTorch 1.13's
// torch.nn.TripletMarginWithDistanceLoss / F.triplet_margin_with_distance_loss, written in Python there: no
// same-dimension check (the inputs only have to broadcast), any margin (1.13 accepts a negative one), no legacy
// flags. Built-in distances run the pair kernels (assembly/rows/pairwise.ts, via src/losses/triplet.ts); a custom
// distance is called from JS, and its gradient comes from its `backward` when it is a module.
import { describe, typeError, rangeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { OptionSpec, ParsedOptions, Reduction, ReductionSpec } from '../core/options.js';
import { booleanOption, numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { NormSpec } from '../wasm/pairwise.js';
import type { F64Alloc } from '../wasm/work.js';
import { fresh, scoped } from '../wasm/work.js';
import { normSpec, promoteFloats, reduceRows, upstreamRows } from './distances.js';
import { PairwiseDistance, pairwiseDistance } from './pairwise-distance.js';
import type { NormTriplet, TripletRows } from './triplet.js';
import { combine, distanceGrads, normTriplet, normTripletGrads } from './triplet.js';
import { tripletArgs } from './triplet-margin.js';

/** A distance as a JS function: per-row distances of two tensors (a Tensor, nested numbers, or a number). */
export type DistanceFunction = (x1: Tensor, x2: Tensor) => TensorInput;

/**
 * A distance as a module (the protocol of simdloss's nn modules, e.g. `nn.PairwiseDistance`): `forward(x1, x2)`
 * returns the per-row distances; `backward(gradOutput)`, when present, returns the gradients of the last forward
 * with respect to x1 and x2 (Tensors of their shapes, or null for zeros), so the loss can differentiate through it.
 * The loss sums the gradients of the pairs in float64 and rounds once to each argument's dtype, so a module that
 * returns float64 gradients (even for float32 arguments) loses nothing to rounding before that sum.
 */
export interface DistanceModule {
  /** Per-row distances of x1 and x2. */
  forward(x1: Tensor, x2: Tensor): TensorInput;
  /** d Σ gradOutput·distance / d x1 and / d x2 for the last forward. */
  backward?(gradOutput: number | Tensor): readonly (TensorInput | null | undefined)[];
}

/** Options of TripletMarginWithDistanceLoss (PyTorch's keyword arguments in camelCase; no legacy flags). */
export interface TripletMarginWithDistanceLossOptions {
  /**
   * The distance d(x1, x2): null (default) for `F.pairwiseDistance`; a function (forward only: `backward` then
   * throws a TypeError), or a module `{ forward, backward }` such as `new nn.PairwiseDistance({ p: 1 })` (with its
   * gradient). `F.pairwiseDistance` and `nn.PairwiseDistance` modules run the built-in kernels.
   */
  distanceFunction?: DistanceFunction | DistanceModule | null;
  /** The margin; default 1. Any number (PyTorch 1.13 accepts a negative one). */
  margin?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance; default false. */
  swap?: boolean;
  /** `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: 'none' | 'mean' | 'sum' | 'elementwise_mean';
}

/** A distance function or module, or null (the default). */
function distanceOption(): OptionSpec<DistanceFunction | DistanceModule | null> {
  return {
    default: null,
    parse(fn, name, v) {
      if (v === null || typeof v === 'function') return v as DistanceFunction | null;
      if (typeof v === 'object' && typeof (v as DistanceModule).forward === 'function') return v as DistanceModule;
      throw typeError(fn, `${name} must be a function, a module with forward(x1, x2), or null`, describe(v));
    },
  };
}

const OPTIONS = { distanceFunction: distanceOption(), margin: numberOption(1), swap: booleanOption(false) };

/** PyTorch's class has no size_average / reduce; 'elementwise_mean' is accepted (_Reduction.get_enum). */
const REDUCTION: ReductionSpec = {
  allowed: ['none', 'mean', 'sum'],
  default: 'mean',
  legacy: false,
  elementwiseMean: true,
};

type Distance =
  | { readonly kind: 'norm'; readonly spec: NormSpec }
  | { readonly kind: 'function'; readonly f: DistanceFunction }
  | { readonly kind: 'module'; readonly m: DistanceModule };

interface Settings {
  readonly reduction: Reduction;
  readonly margin: number;
  readonly swap: boolean;
  readonly distance: Distance;
}

type Saved =
  | { readonly kind: 'norm'; readonly t: NormTriplet }
  | {
      readonly kind: 'custom';
      readonly rows: TripletRows;
      readonly dists: readonly Tensor[];
      readonly ts: readonly Tensor[];
    };

function distanceOf(d: DistanceFunction | DistanceModule | null): Distance {
  if (d === null || d === pairwiseDistance) return { kind: 'norm', spec: normSpec(2, 1e-6) };
  if (d instanceof PairwiseDistance && !d.keepdim) return { kind: 'norm', spec: normSpec(d.p, d.eps) };
  return typeof d === 'function' ? { kind: 'function', f: d } : { kind: 'module', m: d };
}

const PAIRS: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
];
const DIST_NAMES = ['distance(anchor, positive)', 'distance(anchor, negative)', 'distance(positive, negative)'];

/** The custom distances of the pairs, as float Tensors (plain numbers in the anchor's dtype). */
function customDistances(fn: string, d: Distance, ts: readonly Tensor[], swap: boolean): Tensor[] {
  const plain = ts[0].dtype === 'float64' ? 'float64' : 'float32';
  return PAIRS.slice(0, swap ? 3 : 2).map(([i, j], k) => {
    const v = d.kind === 'function' ? d.f(ts[i], ts[j]) : (d as { m: DistanceModule }).m.forward(ts[i], ts[j]);
    const t = asTensor(fn, DIST_NAMES[k], v, plain);
    if (!isFloat(t.dtype)) throw typeError(fn, `the distanceFunction's ${DIST_NAMES[k]} must be float`, t.dtype);
    return t;
  });
}

function as64(t: Tensor): Float64Array {
  return t.dtype === 'float64' ? (t.data as Float64Array) : Float64Array.from(t.data as Float32Array);
}

/**
 * Validates a call and computes its rows; built-in distances take their per-row arrays from `alloc` (pooled: valid
 * only in its scope, src/wasm/work.ts), custom ones new arrays.
 */
function prepare(
  fn: string,
  args: readonly unknown[],
  s: Settings,
  alloc: F64Alloc,
): { saved: Saved; ts: Tensor[]; dtype: FloatDType } {
  const ts = tripletArgs(fn, args);
  if (s.distance.kind === 'norm') {
    const own = alloc === fresh || s.reduction === 'none';
    const t = normTriplet(fn, ts, s.distance.spec, s.swap, s.margin, 'margin-last', alloc, own);
    return { saved: { kind: 'norm', t }, ts, dtype: t.dtype };
  }
  promoteFloats(fn, ['anchor', 'positive', 'negative'], ts);
  const dists = customDistances(fn, s.distance, ts, s.swap);
  const rows = combine(
    fn,
    s.margin,
    'margin-last',
    as64(dists[0]),
    as64(dists[1]),
    s.swap ? as64(dists[2]) : null,
    dists.map((t) => t.shape),
  );
  const dtype: FloatDType = dists.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  return { saved: { kind: 'custom', rows, dists, ts }, ts, dtype };
}

function reducedValue(rows: TripletRows, reduction: Reduction, dtype: FloatDType): number | Tensor {
  const v = reduceRows(rows.loss, reduction, dtype, rows.outShape);
  return typeof v === 'number' ? v : new Tensor(v.data, v.shape, dtype);
}

/** Gradients through a custom distance module: per pair, forward again, then its backward. */
function customGrads(
  fn: string,
  d: Distance,
  saved: Extract<Saved, { kind: 'custom' }>,
  g: Float64Array,
  into: GradInto,
): Tensor[] {
  if (d.kind !== 'module' || typeof d.m.backward !== 'function') {
    throw typeError(
      fn,
      'the distanceFunction has no gradient: pass null (F.pairwiseDistance), an nn.PairwiseDistance, ' +
        'or a module { forward(x1, x2), backward(gradOutput) } whose backward returns the gradients of x1 and x2',
      d.kind === 'function' ? 'a function' : 'a module without backward',
    );
  }
  const m = d.m;
  const dg = distanceGrads(saved.rows, g);
  const perDist = [dg.gp, dg.gn, dg.gs];
  const { ts } = saved;
  const sums = ts.map((t) => new Float64Array(t.numel()));
  const seen = [false, false, false];
  saved.dists.forEach((dist, k) => {
    const [i, j] = PAIRS[k];
    const gk = perDist[k]!;
    m.forward(ts[i], ts[j]);
    const go =
      dist.shape.length === 0
        ? gk[0]
        : new Tensor(dist.dtype === 'float32' ? Float32Array.from(gk) : Float64Array.from(gk), dist.shape, dist.dtype);
    const res = m.backward!(go);
    [i, j].forEach((op, side) => {
      const r = res[side];
      if (r === null || r === undefined) return;
      const t = asTensor(fn, `the distanceFunction's gradient ${side + 1}`, r, ts[op].dtype);
      if (!sameShape(t.shape, ts[op].shape)) {
        throw rangeError(
          fn,
          `the distanceFunction's backward must return gradients of its arguments' shapes (${shapeStr(ts[op].shape)})`,
          shapeStr(t.shape),
        );
      }
      const dst = sums[op],
        src = t.data;
      if (!seen[op]) for (let e = 0; e < dst.length; e++) dst[e] = Number(src[e]);
      else for (let e = 0; e < dst.length; e++) dst[e] += Number(src[e]);
      seen[op] = true;
    });
  });
  return ts.map((x, i) => {
    const out =
      into[i] ??
      new Tensor(x.dtype === 'float32' ? new Float32Array(x.numel()) : new Float64Array(x.numel()), x.shape, x.dtype);
    (out.data as Float64Array).set(sums[i]);
    return out;
  });
}

const tmwd: AnyLossDeclaration = {
  name: 'tripletMarginWithDistanceLoss',
  className: 'TripletMarginWithDistanceLoss',
  args: ['anchor', 'positive', 'negative'],
  options: OPTIONS,
  reduction: REDUCTION,
  kernels: ['pd_acc', 'pd_acc2', 'pd_ties', 'pd_grad'],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, margin: o.margin, swap: o.swap, distance: distanceOf(o.distanceFunction) };
  },
  forward(fn, args, s: Settings, save: boolean): Forward<Saved> {
    const run = (alloc: F64Alloc): Forward<Saved> => {
      const { saved, ts, dtype } = prepare(fn, args, s, alloc);
      const rows = saved.kind === 'norm' ? saved.t.rows : saved.rows;
      return { value: reducedValue(rows, s.reduction, dtype), operands: ts, saved };
    };
    if (save) return run(fresh);
    // F.tripletMarginWithDistanceLoss takes the value and drops the rest (src/core/loss.ts `functional`): the
    // per-row arrays are pooled scratch, so the saved state is not returned.
    const f = scoped(run);
    return { value: f.value, operands: f.operands, saved: undefined as unknown as Saved };
  },
  backward(fn, f: Forward<Saved>, s: Settings, upstream, into: GradInto) {
    const saved = f.saved;
    const rows = saved.kind === 'norm' ? saved.t.rows : saved.rows;
    if (saved.kind !== 'norm') {
      return customGrads(fn, s.distance, saved, upstreamRows(upstream, s.reduction, rows.loss.length), into);
    }
    return scoped((alloc) =>
      normTripletGrads(saved.t, upstreamRows(upstream, s.reduction, rows.loss.length, alloc), into, fn, alloc),
    );
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    // A reduced value and new gradients: the built-in distances' per-row arrays are scratch.
    return scoped((alloc) => {
      const { saved, ts, dtype } = prepare(fn, args, s, alloc);
      const into = checkInto(fn, intoRaw, ts);
      const rows = saved.kind === 'norm' ? saved.t.rows : saved.rows;
      const g = upstreamRows(upstream, s.reduction, rows.loss.length, alloc);
      const grads =
        saved.kind === 'norm'
          ? normTripletGrads(saved.t, g, into, fn, alloc)
          : customGrads(fn, s.distance, saved, g, into);
      return { value: reducedValue(rows, s.reduction, dtype) as number, grads };
    });
  },
};
registry.push(tmwd);

/**
 * Triplet margin loss with a distance function, like `torch.nn.functional.triplet_margin_with_distance_loss`
 * (PyTorch 1.13): per row max(0, d(anchor, positive) − d(anchor, negative) + margin), with `swap` taking
 * min(d(anchor, negative), d(positive, negative)) as the negative distance; then reduced. The default distance is
 * `F.pairwiseDistance` (p = 2, eps = 1e-6). As in 1.13 the inputs need not have the same number of dimensions
 * (they only have to broadcast) and the margin may be negative.
 *
 * Gradients: through the built-in distance (null, `F.pairwiseDistance`, an `nn.PairwiseDistance`), and through a
 * module `{ forward(x1, x2), backward(gradOutput) }` (called again per pair in the backward pass). A plain
 * function has no gradient: the loss works, and `backward` throws a TypeError saying so.
 * @param anchor Embeddings (float32 or float64).
 * @param positive Embeddings (broadcast with the anchor).
 * @param negative Embeddings (broadcast with the anchor).
 * @param options `distanceFunction` (default null: `F.pairwiseDistance`), `margin` (default 1), `swap` (default
 *   false), `reduction`: `'mean'` (default), `'sum'` or `'none'`. No legacy flags (PyTorch's class has none).
 * @returns A number for `'mean'`/`'sum'`; for `'none'` a Tensor of the distances' broadcast shape.
 * @throws {RangeError} For inputs (or custom distances) that do not broadcast, or an unknown reduction.
 * @throws {TypeError} For non-float inputs or distances, a distanceFunction that is neither a function nor a module,
 *   unknown option keys or malformed options; from backward, for a distance without a gradient.
 * @example
 * F.tripletMarginWithDistanceLoss([[1, 2, 3], [0, 0, 0]], [[2, 2, 1], [1, 1, 1]], [[2, 3, 4], [1, 1, 1]]);
 * // 1.252009630203247 (PyTorch: tensor(1.2520))
 */
export const tripletMarginWithDistanceLoss: LossFunction<
  [anchor: TensorInput, positive: TensorInput, negative: TensorInput],
  TripletMarginWithDistanceLossOptions
> = functional(tmwd);

/**
 * `torch.nn.TripletMarginWithDistanceLoss` as a module, with `backward()` for the gradients of anchor, positive and
 * negative (through the built-in distance or a distance module's `backward`).
 * @example
 * const m = new nn.TripletMarginWithDistanceLoss({ distanceFunction: new nn.PairwiseDistance({ p: 1 }), margin: 0.5 });
 * m.forward([[1, 2, 3]], [[2, 2, 1]], [[2, 3, 4]]); // 0.5000039935112 (PyTorch: tensor(0.5000))
 * const [da, dp, dn] = m.backward();
 */
export class TripletMarginWithDistanceLoss<O extends TripletMarginWithDistanceLossOptions = {}> extends Loss<
  [anchor: TensorInput, positive: TensorInput, negative: TensorInput],
  O
> {
  /** The effective reduction. */
  declare readonly reduction: Reduction;
  /** The distance as given (null: `F.pairwiseDistance`). */
  declare readonly distanceFunction: DistanceFunction | DistanceModule | null;
  /** The margin. */
  declare readonly margin: number;
  /** Whether the distance swap is used. */
  declare readonly swap: boolean;
  /** @param options `distanceFunction` (default null), `margin` (default 1), `swap` (default false), `reduction` (default `'mean'`). */
  constructor(options?: O) {
    super(tmwd, options);
  }
}
