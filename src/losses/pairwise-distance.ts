// PairwiseDistance: ‖x1 − x2 + eps‖_p over the last dimension, PyTorch's torch.nn.functional.pairwise_distance /
// torch.nn.PairwiseDistance (x1 and x2 broadcast; every p PyTorch's norm takes, with norm_backward's gradients).
// The distance TripletMarginWithDistanceLoss uses by default and differentiates through. Not a loss: no reduction
// (PyTorch's function has no `reduction` argument), a Tensor of per-row distances.
// Kernels: assembly/rows/pairwise.ts (pd_acc, pd_ties, pd_grad).
import type { AnyLossDeclaration, Forward, GradInto } from '../core/loss.js';
import { functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, ReductionSpec } from '../core/options.js';
import { booleanOption, numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { Tensor } from '../tensor/tensor.js';
import type { NormSpec, RowJob } from '../wasm/pairwise.js';
import { PAIR_AB, pairGrads, rowsOf } from '../wasm/pairwise.js';
import {
  jointShape,
  normCoefficients,
  normSpec,
  pairNorms,
  pairRows,
  pairTieCounts,
  promoteFloats,
  upstreamRows,
} from './distances.js';

/** Options of PairwiseDistance (PyTorch's keyword arguments). */
export interface PairwiseDistanceOptions {
  /** The norm degree; default 2. Any number: 1, 2, ±Infinity, 0 (the count of non-zero differences), others. */
  p?: number;
  /** Added to every difference before the norm; default 1e-6. */
  eps?: number;
  /** Keep the last dimension (as size 1); default false. */
  keepdim?: boolean;
}

const OPTIONS = { p: numberOption(2), eps: numberOption(1e-6), keepdim: booleanOption(false) };

/** No reduction: pairwise_distance has none, so `reduction` is not an option. */
const NO_REDUCTION: ReductionSpec<'none'> = {
  allowed: ['none'],
  default: 'none',
  legacy: false,
  elementwiseMean: false,
  option: false,
};

interface Settings {
  readonly spec: NormSpec;
  readonly keepdim: boolean;
}

interface Saved {
  readonly job: RowJob;
  readonly norms: Float64Array;
  readonly spec: NormSpec;
}

/**
 * The distances of x1 and x2 (validated and broadcast, PyTorch's type promotion), per row of their broadcast
 * shape, as float64 norms, with the job a gradient pass reuses.
 */
export function distancesOf(
  fn: string,
  x1: Tensor,
  x2: Tensor,
  spec: NormSpec,
  names = ['x1', 'x2'],
  keepdim = false,
): { job: RowJob; norms: Float64Array; out: number[] } {
  const dtype = promoteFloats(fn, names, [x1, x2]);
  const rows = pairRows(jointShape(fn, names, [x1, x2]), keepdim);
  const job: RowJob = { fn, dtype, shape: rows.kernel, operands: [x1, x2] };
  return { job, norms: pairNorms(job, [[0, 1]], spec)[0], out: rows.out };
}

/** d Σ g·distance / d x1 and / d x2 for per-row upstream gradients `g`. */
export function distanceGrads(
  job: RowJob,
  spec: NormSpec,
  norms: Float64Array,
  g: Float64Array,
  into: GradInto,
): (Tensor | null)[] {
  const [k0, k1] = normCoefficients(spec, g, norms, () => pairTieCounts(job, [0, 1], spec, norms));
  return pairGrads(job, PAIR_AB, spec, [k0, k1], [true, true], into);
}

const pairwise: AnyLossDeclaration = {
  name: 'pairwiseDistance',
  className: 'PairwiseDistance',
  args: ['x1', 'x2'],
  options: OPTIONS,
  reduction: NO_REDUCTION,
  kernels: ['pd_acc', 'pd_ties', 'pd_grad'],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, 'none'>): Settings {
    return { spec: normSpec(o.p, o.eps), keepdim: o.keepdim };
  },
  forward(fn, args, s: Settings): Forward<Saved> {
    const x1 = asTensor(fn, 'x1', args[0]);
    const x2 = asTensor(fn, 'x2', args[1], x1.dtype === 'float64' ? 'float64' : 'float32');
    const { job, norms, out } = distancesOf(fn, x1, x2, s.spec, ['x1', 'x2'], s.keepdim);
    const data = job.dtype === 'float32' ? Float32Array.from(norms) : norms;
    return { value: new Tensor(data, out, job.dtype), operands: [x1, x2], saved: { job, norms, spec: s.spec } };
  },
  backward(fn, f: Forward<Saved>, _s, upstream, into: GradInto) {
    const { job, norms, spec } = f.saved;
    const g = upstreamRows(upstream, 'none', rowsOf(job.shape).rows);
    return distanceGrads({ ...job, fn }, spec, norms, g, into);
  },
};
registry.push(pairwise);

/** `F.pairwiseDistance`: the type of a distance that returns a Tensor of per-row distances. */
export type PairwiseDistanceFunction = (x1: TensorInput, x2: TensorInput, options?: PairwiseDistanceOptions) => Tensor;

/**
 * Pairwise distance, like `torch.nn.functional.pairwise_distance`: ‖x1 − x2 + eps‖_p over the last dimension of
 * the broadcast inputs (eps is added to each difference, as PyTorch does). The default distance of
 * `tripletMarginWithDistanceLoss`, which differentiates through it; `nn.PairwiseDistance` has its `backward`.
 * @param x1 Float tensor (float32 or float64), broadcast with `x2`.
 * @param x2 Float tensor; plain numbers take x1's dtype.
 * @param options `p` (default 2; any number: 1, 2, ±Infinity, 0 counts non-zero differences), `eps` (default
 *   1e-6), `keepdim` (default false). There is no `reduction`.
 * @returns A Tensor of the broadcast shape without its last dimension (0-d for 1-D inputs; the last dimension kept
 *   as 1 with `keepdim`), in the promoted float dtype.
 * @throws {RangeError} For inputs that do not broadcast.
 * @throws {TypeError} For non-float inputs (PyTorch would promote integers), unknown option keys or malformed options.
 * @example
 * F.pairwiseDistance([[1, 2, 3]], [[2, 2, 1]]).toString(); // 'tensor([2.2361])' (PyTorch: tensor([2.2361]))
 */
export const pairwiseDistance: PairwiseDistanceFunction = functional(pairwise) as unknown as PairwiseDistanceFunction;

/**
 * The option type `nn.PairwiseDistance` hands to its base class: only there to type `forward`'s result as a Tensor
 * (`LossResult` of `reduction: 'none'`); there is no such option.
 */
export interface TensorResult {
  /** Not an option of PairwiseDistance (which has no reduction); it types the result as per-row values. */
  reduction: 'none';
}

/**
 * `torch.nn.PairwiseDistance` as a module, with `backward(gradOutput)` for the gradients of x1 and x2.
 * @example
 * const d = new nn.PairwiseDistance({ p: 1 });
 * d.forward([[1, 2, 3], [0, 0, 0]], [[2, 2, 1], [1, 1, 1]]).toString(); // 'tensor([3.0000, 3.0000])'
 * d.backward([1, 1])[0]?.toString(); // 'tensor([[-1.,  1.,  1.],\n        [-1., -1., -1.]])'
 */
export class PairwiseDistance<O extends PairwiseDistanceOptions = {}> extends Loss<
  [x1: TensorInput, x2: TensorInput],
  O & TensorResult
> {
  /** The norm degree. */
  declare readonly p: number;
  /** Added to every difference. */
  declare readonly eps: number;
  /** Whether the last dimension is kept. */
  declare readonly keepdim: boolean;
  /** @param options `p` (default 2), `eps` (default 1e-6), `keepdim` (default false). */
  constructor(options?: O) {
    super(pairwise, options as O & TensorResult);
  }
}
