// CosineEmbeddingLoss: per row 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1, and 0 for any
// other target, with PyTorch 1.13's cos = Σx1·x2 / √((Σx1² + ε)(Σx2² + ε)), ε = float32(1e-12) (its EPSILON);
// torch.nn.CosineEmbeddingLoss / F.cosine_embedding_loss, with autograd's gradients through that graph.
// Kernels: assembly/rows/pairwise.ts (cos_acc, cos_grad); the per-row steps here, in float64.
import { rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto, LossFunction } from '../core/loss.js';
import { checkInto, functional, Loss, registry } from '../core/loss.js';
import type { ParsedOptions, Reduction } from '../core/options.js';
import { numberOption, STANDARD_REDUCTION } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../wasm/plan.js';
import type { RowJob } from '../wasm/pairwise.js';
import { cosineGrads, cosineStats } from '../wasm/pairwise.js';
import type { F64Alloc } from '../wasm/work.js';
import { fresh, scoped } from '../wasm/work.js';
import { at, indexMap, jointShape, promoteFloats, reduceRows, sumBack, upstreamRows } from './distances.js';
import type { MSELossOptions } from './mse.js';

/** Options of CosineEmbeddingLoss: `margin` (default 0), `reduction` (default `'mean'`) and the legacy flags. */
export interface CosineEmbeddingLossOptions extends MSELossOptions {
  /** The margin in max(0, cos − margin) for targets −1; default 0 (PyTorch suggests −1 … 1; any number). */
  margin?: number;
}

/**
 * PyTorch's `EPSILON` (aten/src/ATen/native/Loss.cpp: `static const float EPSILON = 1e-12`), added to both
 * squared norms: the float32 value 9.999999960041972e-13, in float64 computations too (the fixtures tell: with a
 * zero vector the gradient is 1/√(EPSILON·Σx2²), 2e-9 away from what the double 1e-12 would give).
 */
const EPSILON = Math.fround(1e-12);

const OPTIONS = { margin: numberOption(0) };

interface Settings {
  readonly reduction: Reduction;
  readonly margin: number;
}

/** A validated call and its per-row values (float64). */
interface Call {
  readonly job: RowJob;
  readonly dtype: FloatDType;
  /** Targets per output row (read through tmap), as numbers; the target tensor (null gradient when integer). */
  readonly y: Tensor;
  readonly ymap: Int32Array | null;
  /** Output rows → statistics rows. */
  readonly rmap: Int32Array | null;
  readonly outShape: readonly number[];
  readonly dot: Float64Array;
  readonly m1: Float64Array;
  readonly m2: Float64Array;
  readonly denom: Float64Array;
  readonly cos: Float64Array;
  readonly loss: Float64Array;
}

/**
 * Validates a call and computes its per-row values, in arrays from `alloc` (pooled scratch when the call keeps none
 * of them: src/wasm/work.ts).
 */
function prepare(fn: string, args: readonly unknown[], s: Settings, alloc: F64Alloc): { call: Call; ts: Tensor[] } {
  const x1 = asTensor(fn, 'input1', args[0]);
  const plain = x1.dtype === 'float64' ? 'float64' : 'float32';
  const x2 = asTensor(fn, 'input2', args[1], plain);
  const y = asTensor(fn, 'target', args[2], plain);
  // PyTorch's checks, in its order.
  if (y.shape.length > 1) {
    throw rangeError(fn, '0-D or 1-D target expected, multi-target not supported', `shape ${shapeStr(y.shape)}`);
  }
  const want = y.shape.length === 1 ? 2 : 1;
  if (x1.shape.length !== want || x2.shape.length !== want) {
    throw rangeError(
      fn,
      `a ${y.shape.length}-D target expects ${want}-D inputs`,
      `inputs of shapes ${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`,
    );
  }
  const dtype = promoteFloats(fn, ['input1', 'input2'], [x1, x2]);
  if (!isFloat(y.dtype) && y.dtype !== 'int32' && y.dtype !== 'int64')
    throw typeError(fn, 'target must be numeric', y.dtype);
  const shape = jointShape(fn, ['input1', 'input2'], [x1, x2]);
  const last = shape.length - 1;
  if (x1.shape[last] !== x2.shape[last]) {
    // PyTorch broadcasts here, but then sums x1² over x1's own row of 1: a "cosine" beyond ±1 (see the README).
    throw rangeError(
      fn,
      'input1 and input2 must have the same size in their last dimension (simdloss does not ' +
        'broadcast it; PyTorch does, and then its cosine is not one)',
      `${shapeStr(x1.shape)} and ${shapeStr(x2.shape)}`,
    );
  }
  const rowsShape = shape.slice(0, -1);
  const outShape = broadcastShapes(rowsShape, y.shape);
  if (!outShape) {
    throw rangeError(
      fn,
      `target must broadcast with the ${rowsShape.length > 0 ? rowsShape[0] : 1} rows of the inputs`,
      `shape ${shapeStr(y.shape)}`,
    );
  }
  const job: RowJob = { fn, dtype, shape, operands: [x1, x2] };
  const { dot, sx, sy } = cosineStats(job, alloc);
  const R = dot.length;
  const m1 = alloc(R),
    m2 = alloc(R),
    denom = alloc(R),
    cos = alloc(R);
  for (let r = 0; r < R; r++) {
    m1[r] = sx[r] + EPSILON;
    m2[r] = sy[r] + EPSILON;
    denom[r] = Math.sqrt(m1[r] * m2[r]);
    cos[r] = dot[r] / denom[r];
  }
  const rmap = indexMap(rowsShape, outShape),
    ymap = indexMap(y.shape, outShape);
  const n = outShape.reduce((a, b) => a * b, 1);
  // 'none' hands the float64 losses out as the result's data: never pooled.
  const loss = s.reduction === 'none' ? fresh(n) : alloc(n);
  const yd = y.data;
  for (let i = 0; i < n; i++) {
    const c = at(cos, rmap, i);
    const t = Number(yd[ymap ? ymap[i] : i]);
    const neg = c - s.margin;
    // where(y == 1, 1 − cos, 0) + where(y == −1, clamp_min(cos − margin, 0), 0)
    loss[i] = (t === 1 ? 1 - c : 0) + (t === -1 ? (neg < 0 ? 0 : neg) : 0);
  }
  return { call: { job, dtype, y, ymap, rmap, outShape, dot, m1, m2, denom, cos, loss }, ts: [x1, x2, y] };
}

function reducedValue(call: Call, reduction: Reduction): number | Tensor {
  const v = reduceRows(call.loss, reduction, call.dtype, call.outShape);
  return typeof v === 'number' ? v : new Tensor(v.data, v.shape, call.dtype);
}

/**
 * The gradients of x1 and x2 (and zeros for a float target) for per-output-row upstream `g`, following autograd
 * through PyTorch's graph: the where() masks and clamp_min's (cos − margin ≥ 0 passes), summed back to the cosine
 * rows, then cos = prod / denom (DivBackward: grad / denom and −grad·((prod / denom) / denom)), denom = √(m1·m2)
 * (grad / (2·denom)), m1·m2, and the sums of x1·x2, x1·x1, x2·x2. The per-row arrays come from `alloc`, the
 * gradients are new (or `into`).
 */
function grads(
  call: Call,
  s: Settings,
  g: Float64Array,
  into: GradInto,
  alloc: F64Alloc,
  job: RowJob = call.job,
): (Tensor | null)[] {
  const n = g.length,
    R = call.cos.length;
  const gp = alloc(n),
    gn = alloc(n);
  const yd = call.y.data;
  for (let i = 0; i < n; i++) {
    const t = Number(yd[call.ymap ? call.ymap[i] : i]);
    gp[i] = t === 1 ? g[i] : 0;
    gn[i] = t === -1 ? g[i] : 0;
  }
  // Summed back to the cosine rows before the negation of 1 − cos and the clamp's mask, as autograd does.
  const sp = sumBack(gp, call.rmap, R, alloc),
    sn = sumBack(gn, call.rmap, R, alloc);
  const alpha = alloc(R),
    beta = alloc(R),
    gamma = alloc(R);
  for (let r = 0; r < R; r++) {
    const gcos = -sp[r] + (call.cos[r] - s.margin >= 0 ? sn[r] : 0);
    const den = call.denom[r];
    const gDen = -gcos * (call.dot[r] / den / den);
    const gMM = gDen / (2 * den);
    alpha[r] = gcos / den;
    beta[r] = gMM * call.m2[r];
    gamma[r] = gMM * call.m1[r];
  }
  const [g1, g2] = cosineGrads(job, alpha, beta, gamma, [true, true], into);
  let gy: Tensor | null = null;
  if (isFloat(call.y.dtype)) {
    gy =
      into[2] ??
      new Tensor(
        call.y.dtype === 'float32' ? new Float32Array(call.y.numel()) : new Float64Array(call.y.numel()),
        call.y.shape,
        call.y.dtype,
      );
    (gy.data as Float64Array).fill(0);
  }
  return [g1, g2, gy];
}

const cosine: AnyLossDeclaration = {
  name: 'cosineEmbeddingLoss',
  className: 'CosineEmbeddingLoss',
  args: ['input1', 'input2', 'target'],
  options: OPTIONS,
  reduction: STANDARD_REDUCTION,
  kernels: ['cos_acc', 'cos_grad'],
  settings(_fn, o: ParsedOptions<typeof OPTIONS, Reduction>): Settings {
    return { reduction: o.reduction, margin: o.margin };
  },
  forward(fn, args, s: Settings, save: boolean): Forward<Call> {
    const run = (alloc: F64Alloc): Forward<Call> => {
      const { call, ts } = prepare(fn, args, s, alloc);
      return {
        value: reducedValue(call, s.reduction),
        operands: [ts[0], ts[1], isFloat(ts[2].dtype) ? ts[2] : null],
        saved: call,
      };
    };
    if (save) return run(fresh);
    // F.cosineEmbeddingLoss takes the value and drops the rest (src/core/loss.ts `functional`), so the per-row
    // arrays can be pooled scratch; the saved state is not returned, as its arrays are reused after the scope.
    const f = scoped(run);
    return { value: f.value, operands: f.operands, saved: undefined as unknown as Call };
  },
  backward(fn, f: Forward<Call>, s: Settings, upstream, into: GradInto) {
    const call = f.saved;
    // The job renamed for this caller's errors, built whole (a spread with new keys is slow on Node 20's V8).
    const job: RowJob = { fn, dtype: call.job.dtype, shape: call.job.shape, operands: call.job.operands };
    return scoped((alloc) =>
      grads(call, s, upstreamRows(upstream, s.reduction, call.loss.length, alloc), into, alloc, job),
    );
  },
  fused(fn, args, s: Settings, upstream, intoRaw) {
    // A reduced value and new gradients: every per-row array is scratch.
    return scoped((alloc) => {
      const { call, ts } = prepare(fn, args, s, alloc);
      const into = checkInto(fn, intoRaw, [ts[0], ts[1], isFloat(ts[2].dtype) ? ts[2] : null]);
      return {
        value: reducedValue(call, s.reduction) as number,
        grads: grads(call, s, upstreamRows(upstream, s.reduction, call.loss.length, alloc), into, alloc),
      };
    });
  },
};
registry.push(cosine);

/**
 * Cosine embedding loss, like `torch.nn.functional.cosine_embedding_loss` (PyTorch 1.13): per row 1 − cos(x1, x2)
 * where the target is 1, max(0, cos(x1, x2) − margin) where it is −1, and 0 for any other target; cos adds
 * PyTorch's ε = float32(1e-12) to both squared norms (so a zero vector has cos 0, not NaN). Then reduced.
 * @param input1 Embeddings (float32 or float64): (N, D), or (D) unbatched.
 * @param input2 Embeddings of the same rank, broadcast with input1 over the rows (not over D: see the README).
 * @param target (N) targets for 2-D inputs, a 0-d target for 1-D ones; float or integer, compared with ±1 (it does
 *   not change the result's dtype); broadcast with the rows. Its gradient is zeros (float) or null (integer).
 * @param options `margin` (default 0), `reduction`: `'mean'` (default), `'sum'` or `'none'`; or the legacy
 *   `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'`; for `'none'` a Tensor of one loss per row (0-d for unbatched inputs).
 * @throws {RangeError} For a target of more than 1 dimension, inputs of the wrong rank for it, rows or targets that
 *   do not broadcast, last dimensions that differ, or an unknown reduction.
 * @throws {TypeError} For non-float inputs (PyTorch computes with integers), a non-numeric target, unknown option
 *   keys or malformed options.
 * @example
 * F.cosineEmbeddingLoss([[1, 2, 3], [0, 0, 0]], [[2, 2, 1], [1, 1, 1]], [1, -1]);
 * // 0.09910813719034195 (PyTorch: tensor(0.0991))
 */
export const cosineEmbeddingLoss: LossFunction<
  [input1: TensorInput, input2: TensorInput, target: TensorInput],
  CosineEmbeddingLossOptions
> = functional(cosine);

/**
 * `torch.nn.CosineEmbeddingLoss` as a module, with `backward()` for the gradients of input1 and input2 (and
 * zeros for a float target; null for an integer one).
 * @example
 * const m = new nn.CosineEmbeddingLoss({ margin: -0.5, reduction: 'sum' });
 * m.forward([[1, 2, 3], [1, 0, 0]], [[2, 2, 1], [-1, 0, 0]], [1, -1]); // 0.1982162743806839 (PyTorch: tensor(0.1982))
 * const [dx1, dx2, dy] = m.backward();
 */
export class CosineEmbeddingLoss<O extends CosineEmbeddingLossOptions = {}> extends Loss<
  [input1: TensorInput, input2: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** The margin. */
  declare readonly margin: number;
  /** @param options `margin` (default 0), `reduction` (default `'mean'`), or the legacy `sizeAverage` / `reduce`. */
  constructor(options?: O) {
    super(cosine, options);
  }
}
