// The family of elementwise losses (MSE, L1, SmoothL1, BCE, Huber, KLDiv, GaussianNLL, …): PyTorch combines the
// input with up to two more operands element by element through a term, optionally times a per-element weight, then
// reduces (apply_loss_reduction: 'mean' divides by the number of elements, NaN when there are none). A loss of this
// family is a spec of a few lines; `elementwiseLoss` turns it into a declaration with forward, backward and the
// fused valueAndGrad.
//
// Operands: a is the input; b and c are the further tensor arguments in PyTorch's order (target, var), or c is a
// tensor-valued option (BCEWithLogits' posWeight). Each names its shape rule (how it combines with the input), its
// kind (which dtypes it takes and whether it promotes) and whether PyTorch differentiates it.
import { describe, rangeError, typeError } from '../errors.js';
import type { AnyLossDeclaration, Forward, GradInto } from '../core/loss.js';
import { checkInto, registry } from '../core/loss.js';
import type { OptionSpecs, ParsedOptions, ReductionSpec } from '../core/options.js';
import { STANDARD_REDUCTION, tensorOption } from '../core/options.js';
import type { DType } from '../tensor/dtype.js';
import { isFloat } from '../tensor/dtype.js';
import { asTensor } from '../tensor/coerce.js';
import { broadcastShapes, numelOf, sameShape, shapeStr } from '../tensor/shape.js';
import { isDetached, Tensor } from '../tensor/tensor.js';
import { warnOnce } from '../warnings.js';
import type { ElementwiseCheck, ElementwiseJob, ElementwiseTerm } from '../wasm/elementwise.js';
import {
  elementwiseGrad,
  elementwiseMap,
  elementwiseSum,
  elementwiseSumArrays,
  elementwiseSumGrad,
} from '../wasm/elementwise.js';
import type { FloatDType } from '../wasm/plan.js';

/** The kernel a loss's options select: the term's ABI prefix and its parameters. */
export interface TermChoice {
  readonly term: ElementwiseTerm;
  readonly p?: number;
  readonly q?: number;
}

/**
 * A loss's own shape rule for an operand: given the input's shape and the operand's, returns the shape to read the
 * operand as (the same data; GaussianNLL unsqueezes a var without the last dimension), or throws PyTorch's error.
 * The returned shape then broadcasts with the others.
 */
export type ShapeCheck = (fn: string, input: readonly number[], shape: readonly number[]) => readonly number[];

/**
 * How an operand's shape combines with the input's:
 * - 'broadcast': it broadcasts with the others and may widen the call (PyTorch's composite losses: KLDiv, PoissonNLL);
 * - 'broadcast-warn': the same, with PyTorch's "different size" UserWarning when its shape is not the input's
 *   (MSE, L1, SmoothL1, Huber);
 * - 'to-input': it must broadcast to the input's shape, never widen it (PyTorch writes into an input-shaped
 *   result: SoftMargin's target, BCEWithLogits' posWeight);
 * - 'exact': exactly the input's shape (BCE, BCEWithLogits' target);
 * - a `ShapeCheck`.
 */
export type ShapeRule = 'broadcast' | 'broadcast-warn' | 'to-input' | 'exact' | ShapeCheck;

/**
 * Which dtypes an operand takes:
 * - 'float': float32 or float64; float64 makes the call float64 (PyTorch's type promotion);
 * - 'label': also int32/int64, which are converted to the call's dtype and have no gradient (PoissonNLL's counts);
 * - 'same': float, of the input's dtype exactly (BCE: PyTorch raises "Found dtype Double but expected Float").
 */
export type OperandKind = 'float' | 'label' | 'same';

/** A tensor argument after the input. */
export interface OperandSpec {
  /** Its name in messages ('target', 'var'). */
  readonly name: string;
  readonly shape: ShapeRule;
  /** Default 'float'. */
  readonly kind?: OperandKind;
  /**
   * false: PyTorch does not differentiate it (SoftMargin's target); its gradient is null. 'zeros': PyTorch's graph
   * does not use it (HingeEmbedding's target, only compared): a float one gets zeros (autograd's unused input,
   * materialised), an integer one null. Default true.
   */
  readonly grad?: boolean | 'zeros';
  /**
   * PyTorch's graph uses −operand (MarginRanking: −target·(x1 − x2)), which shows in two signs of zero: an integer
   * operand's negation is an integer, so an integer 0 is read as −0 (the term's −y is then +0, as PyTorch's); and the
   * gradient of a broadcast operand is NegBackward of a sum over the broadcast dimensions, so its exact zeros are
   * −0 (the term's per-element −(…) summed from +0 would give +0).
   */
  readonly negated?: boolean;
}

/**
 * A tensor-valued option run as operand c (BCEWithLogits' posWeight): any numeric dtype, converted to the call's
 * dtype (as PyTorch casts it) without promoting the call, no gradient; null (PyTorch's None) leaves c absent.
 */
export interface OptionOperandSpec {
  /** The option's key (a `tensorOption()` is added for it unless `options` declares it). */
  readonly option: string;
  readonly shape: ShapeRule;
}

/** What an elementwise loss declares. */
export interface ElementwiseSpec<S extends OptionSpecs> {
  readonly name: string;
  readonly className: string;
  /** The first tensor argument's name in messages (default 'input'; MarginRanking's 'input1'). */
  readonly input?: string;
  /** Options besides reduction (and `weight`, added when `weighted`, and the option operand's key). */
  readonly options: S;
  readonly reduction?: ReductionSpec<string>;
  /** The term (and parameters) for the parsed options. */
  term(options: ParsedOptions<S, string>): TermChoice;
  /**
   * The tensor arguments after the input, in PyTorch's order (operands b and c). Default: one target given by
   * `shapes`.
   */
  readonly operands?: readonly OperandSpec[];
  /**
   * The single target when `operands` is absent: 'broadcast' (broadcast-warn, promoting) or 'exact' (the input's
   * shape and dtype, BCE).
   */
  readonly shapes?: 'broadcast' | 'exact';
  /** A tensor-valued option as operand c. */
  readonly optionOperand?: OptionOperandSpec;
  /** A `weight` option: per-element weights broadcast to the call's shape, in the call's dtype. */
  readonly weighted?: boolean;
  /**
   * The result's dtype: the call's (promoted; default), or that of tensor argument `resultFrom` (0 the input):
   * PyTorch writes Huber and SoftMargin into a tensor of the input's dtype, BCEWithLogits into the target's.
   */
  readonly resultFrom?: number;
  /**
   * What the sum (or, for 'none', each element) is divided by, for the validated options; `fn` names the caller
   * (a module's constructor: the class name). Default: 'mean' the number of elements, else 1.
   */
  divisor?(fn: string, options: ParsedOptions<S, string>): Divisor;
  /** Validation of the input over its elements (BCE: in [0, 1]). */
  check?(fn: string, input: Tensor): ElementwiseCheck;
  /** Validation of the arguments' data that PyTorch makes before computing (GaussianNLL: no negative var). */
  validate?(fn: string, args: readonly Tensor[]): void;
}

/** The divisor of a call's reduction from the input's shape and the call's number of elements. */
export type Divisor = (input: readonly number[], n: number) => number;

const MEAN: Divisor = (_input, n) => n;
const ONE: Divisor = () => 1;

interface Settings {
  readonly reduction: string;
  readonly choice: TermChoice;
  readonly weight: unknown;
  readonly extra: unknown;
  readonly divisor: Divisor;
}

/** A validated call: the job, the arguments, and what their gradients need. */
interface Prepared {
  readonly job: ElementwiseJob;
  /** One per tensor argument: the argument as a Tensor when it has a gradient, else null. */
  readonly operands: (Tensor | null)[];
  /** Per operand slot a, b, c: is its gradient computed. */
  readonly want: [boolean, boolean, boolean];
  /** Per tensor argument: the shape the runner reads it as, where a ShapeCheck changed it. */
  readonly views: (readonly number[] | null)[];
  readonly result: FloatDType;
  readonly divisor: number;
  readonly n: number;
}

type Saved = Prepared;

/** `t` converted to `dtype` (a copy), or `t` itself when it has that dtype already. */
function inDType(t: Tensor, dtype: FloatDType): Tensor {
  if (t.dtype === dtype) return t;
  const out = dtype === 'float32' ? new Float32Array(t.numel()) : new Float64Array(t.numel());
  const src = t.data;
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  return new Tensor(out, t.shape, dtype);
}

/** `t`'s data read as `shape` (same number of elements). */
function viewAs(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : new Tensor(t.data, shape, t.dtype);
}

/** A tensor-valued option (weight, posWeight) as a numeric Tensor: plain data read as float64 (exact until cast). */
function numericOption(fn: string, name: string, value: unknown): Tensor {
  const t = asTensor(fn, name, value, 'float64');
  if (!isFloat(t.dtype) && t.dtype !== 'int32' && t.dtype !== 'int64')
    throw typeError(fn, `${name} must be a numeric tensor`, t.dtype);
  return t;
}

/** Checks `own` against a rule relative to the input's shape; returns the shape to read the operand as. */
function applyRule(
  fn: string,
  name: string,
  rule: ShapeRule,
  input: readonly number[],
  own: readonly number[],
): readonly number[] {
  if (typeof rule === 'function') return rule(fn, input, own);
  if (rule === 'exact') {
    // PyTorch: "Using a target size (...) that is different to the input size (...) is deprecated" (BCE);
    // "Target size (...) must be the same as input size (...)" (BCEWithLogits).
    if (!sameShape(input, own))
      throw rangeError(fn, `${name} size must equal the input size ${shapeStr(input)}`, shapeStr(own));
  } else if (rule === 'to-input') {
    // PyTorch: "output with shape [...] doesn't match the broadcast shape [...]" (an in-place op on the input's shape).
    const joint = broadcastShapes(own, input);
    if (!joint || !sameShape(joint, input)) {
      throw rangeError(fn, `${name} must broadcast to the input size ${shapeStr(input)}`, shapeStr(own));
    }
  }
  return own;
}

/** Builds the declaration of an elementwise loss (and registers it). */
export function elementwiseLoss<S extends OptionSpecs>(spec: ElementwiseSpec<S>): AnyLossDeclaration {
  const operandSpecs: readonly OperandSpec[] = spec.operands ?? [
    spec.shapes === 'exact'
      ? { name: 'target', shape: 'exact', kind: 'same' }
      : { name: 'target', shape: 'broadcast-warn' },
  ];
  if (operandSpecs.length < 1 || operandSpecs.length + (spec.optionOperand ? 1 : 0) > 2) {
    throw new Error(`${spec.name}: an elementwise loss has one or two operands besides the input, c at most once`);
  }
  const options = {
    ...(spec.weighted ? { weight: tensorOption() } : {}),
    ...(spec.optionOperand ? { [spec.optionOperand.option]: tensorOption() } : {}),
    ...spec.options,
  } as unknown as S;
  const reduction = spec.reduction ?? STANDARD_REDUCTION;
  const inputName = spec.input ?? 'input';
  const argNames = [inputName, ...operandSpecs.map((o) => o.name)];
  // The common call, two typed arrays of one float type and length: no Tensors, no broadcasting to plan (a label
  // operand of the input's own float type promotes nothing either).
  const fastPath = operandSpecs.length === 1 && !spec.optionOperand && !spec.validate;

  function prepare(fn: string, args: readonly unknown[], s: Settings): Prepared {
    const x = asTensor(fn, inputName, args[0]);
    if (!isFloat(x.dtype)) throw typeError(fn, `${inputName} must be a float32 or float64 tensor`, x.dtype);
    // Plain numbers in the other arguments take the input's float dtype, so a float64 input stays exact.
    const plain: DType = x.dtype;
    const given = operandSpecs.map((o, i) => asTensor(fn, o.name, args[i + 1], plain));
    let dtype: FloatDType = x.dtype;
    given.forEach((t, i) => {
      const kind = operandSpecs[i].kind ?? 'float';
      if (isFloat(t.dtype)) {
        if (t.dtype === 'float64' && kind !== 'same') dtype = 'float64';
      } else if (kind === 'label') {
        if (t.dtype !== 'int32' && t.dtype !== 'int64')
          throw typeError(fn, `${operandSpecs[i].name} must be a numeric tensor`, t.dtype);
      } else if (kind === 'float') {
        throw typeError(fn, `${operandSpecs[i].name} must be a float32 or float64 tensor`, t.dtype);
      }
    });
    // Shapes: the call's shape starts as the input's and grows with the operands that broadcast.
    let shape: readonly number[] = x.shape;
    const views: (readonly number[] | null)[] = [null];
    const read: Tensor[] = [];
    given.forEach((t, i) => {
      const o = operandSpecs[i];
      const own = applyRule(fn, o.name, o.shape, x.shape, t.shape);
      views.push(sameShape(own, t.shape) ? null : own);
      const joint = broadcastShapes(shape, own);
      if (!joint) {
        throw rangeError(fn, `input and ${o.name} shapes must broadcast`, `${shapeStr(shape)} and ${shapeStr(own)}`);
      }
      if (o.shape === 'broadcast-warn' && !sameShape(x.shape, t.shape)) {
        warnOnce(
          `${spec.name}:broadcast`,
          `${fn}: using a ${o.name} size (${shapeStr(t.shape)}) that is different to the input size ` +
            `(${shapeStr(x.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure ` +
            'they have the same size.',
          'UserWarning',
        );
      }
      // PyTorch: "Found dtype Double but expected Float"; no promotion here.
      if ((o.kind ?? 'float') === 'same' && t.dtype !== x.dtype) {
        throw typeError(fn, `${o.name} dtype must equal the input dtype ${x.dtype}`, t.dtype);
      }
      shape = joint;
      const r = viewAs(t, own);
      const converted = isFloat(t.dtype) ? r : inDType(r, dtype);
      // See OperandSpec.negated: an integer 0 is PyTorch's +0 after negation.
      if (o.negated && !isFloat(t.dtype))
        (converted.data as Float64Array).forEach((v, j, a) => {
          if (v === 0) a[j] = -0;
        });
      read.push(converted);
    });
    let c: Tensor | null = read[1] ?? null;
    if (spec.optionOperand && s.extra !== null && s.extra !== undefined) {
      const name = spec.optionOperand.option;
      const t = numericOption(fn, name, s.extra);
      const own = applyRule(fn, name, spec.optionOperand.shape, x.shape, t.shape);
      const joint = broadcastShapes(shape, own);
      if (!joint)
        throw rangeError(fn, `input and ${name} shapes must broadcast`, `${shapeStr(shape)} and ${shapeStr(own)}`);
      shape = joint;
      c = inDType(viewAs(t, own), dtype);
    }
    let weight: Tensor | null = null;
    if (s.weight !== null && s.weight !== undefined) {
      const w = numericOption(fn, 'weight', s.weight);
      const joint = broadcastShapes(w.shape, shape);
      if (!joint || !sameShape(joint, shape)) {
        throw rangeError(fn, `weight must broadcast to the input size ${shapeStr(shape)}`, shapeStr(w.shape));
      }
      weight = inDType(w, dtype);
    }
    spec.validate?.(fn, [x, ...given]);
    const { term, p = 0, q = 0 } = s.choice;
    const job: ElementwiseJob = {
      fn,
      term,
      dtype,
      shape,
      a: x,
      b: read[0],
      c,
      weight,
      p,
      q,
      check: spec.check?.(fn, x),
    };
    const grads = [true, ...operandSpecs.map((o, i) => o.grad !== false && isFloat(given[i].dtype))];
    // A 'zeros' operand has a gradient (zeros) but the runner computes none for it.
    const computed = [true, ...operandSpecs.map((o, i) => grads[i + 1] && o.grad !== 'zeros')];
    const want: [boolean, boolean, boolean] = [computed[0], computed[1], computed[2] ?? false];
    const from = spec.resultFrom === undefined ? undefined : [x, ...given][spec.resultFrom];
    const result: FloatDType = from && isFloat(from.dtype) ? from.dtype : dtype;
    const n = numelOf(shape);
    return {
      job,
      want,
      views,
      result,
      n,
      divisor: s.divisor(x.shape, n),
      operands: [x, ...given].map((t, i) => (grads[i] ? t : null)),
    };
  }

  function reduce(total: number, d: number, dtype: FloatDType): number {
    const v = d === 1 ? total : total / d;
    return dtype === 'float32' ? Math.fround(v) : v;
  }

  /** A 'none' result in the result's dtype, each element divided by `d` (1 but for KLDiv's legacy 'batchmean'). */
  function mapResult(t: Tensor, d: number, dtype: FloatDType): Tensor {
    if (t.dtype === dtype && d === 1) return t;
    const out =
      dtype === 'float32' ? Float32Array.from(t.data as Float64Array) : Float64Array.from(t.data as Float32Array);
    if (d !== 1) for (let i = 0; i < out.length; i++) out[i] /= d;
    return new Tensor(out, t.shape, dtype);
  }

  /**
   * The runner's gradients [ga, gb, gc] as one per tensor argument, in the arguments' own shapes (a destination
   * given in `into` is returned itself, also where the runner wrote it through a reshaped view).
   */
  function perArgument(p: Prepared, g: (Tensor | null)[], into: GradInto): (Tensor | null)[] {
    return p.operands.map((op, i) => {
      if (op && i > 0 && operandSpecs[i - 1].grad === 'zeros') {
        const z =
          into[i] ??
          new Tensor(
            op.dtype === 'float32' ? new Float32Array(op.numel()) : new Float64Array(op.numel()),
            op.shape,
            op.dtype,
          );
        (z.data as Float64Array).fill(0);
        return z;
      }
      const t = i < 2 ? g[i] : g[2];
      if (!op || !t) return null;
      // See OperandSpec.negated: −(Σ …) over the broadcast dimensions, so exact zeros are −0.
      if (i > 0 && operandSpecs[i - 1].negated && numelOf(op.shape) !== p.n) {
        (t.data as Float64Array).forEach((v, j, a) => {
          if (v === 0) a[j] = -0;
        });
      }
      return into[i] ?? (sameShape(t.shape, op.shape) ? t : new Tensor(t.data, op.shape, t.dtype));
    });
  }

  /** `into` (one per tensor argument, validated) as destinations of the runner's slots a, b, c. */
  function slotsInto(p: Prepared, into: GradInto): (Tensor | null)[] {
    const out = into.map((t, i) => (t && p.views[i] ? new Tensor(t.data, p.views[i]!, t.dtype) : t));
    return [out[0] ?? null, out[1] ?? null, out[2] ?? null];
  }

  const decl: AnyLossDeclaration = {
    name: spec.name,
    className: spec.className,
    args: argNames,
    options,
    reduction,
    kernels: [termsOf(spec)],
    settings(fn, o): Settings {
      const parsed = o as ParsedOptions<S, string>;
      const divisor = spec.divisor?.(fn, parsed) ?? (o.reduction === 'mean' ? MEAN : ONE);
      const extra = spec.optionOperand ? ((o as Record<string, unknown>)[spec.optionOperand.option] ?? null) : null;
      return { reduction: o.reduction, choice: spec.term(parsed), weight: o.weight ?? null, extra, divisor };
    },
    forward(fn, args, s: Settings, save): Forward<Saved> {
      const [a, b] = args;
      if (fastPath && !save && s.reduction !== 'none' && s.weight === null && sameArrays(a, b)) {
        const { term, p = 0, q = 0 } = s.choice;
        const arr = a as Float32Array | Float64Array;
        const check = spec.check && (() => spec.check!(fn, new Tensor(arr, [arr.length], arrayDType(arr))));
        const total = elementwiseSumArrays(fn, term, arr, b as Float32Array, p, q, check);
        return {
          value: reduce(total, s.divisor([arr.length], arr.length), arrayDType(arr)),
          operands: argNames.map(() => null),
          saved: undefined!,
        };
      }
      const p = prepare(fn, args, s);
      const value =
        s.reduction === 'none'
          ? mapResult(elementwiseMap(p.job), p.divisor, p.result)
          : reduce(elementwiseSum(p.job), p.divisor, p.result);
      return { value, operands: p.operands, saved: p };
    },
    backward(fn, f: Forward<Saved>, _s: Settings, upstream, into: GradInto) {
      const p = f.saved;
      let g = upstream;
      if (p.divisor !== 1) {
        if (typeof g === 'number') g /= p.divisor;
        else
          g = new Tensor(
            (g.data as Float64Array).map((v) => v / p.divisor),
            g.shape,
            g.dtype,
          );
      }
      return perArgument(p, elementwiseGrad({ ...p.job, fn }, g, { want: p.want, into: slotsInto(p, into) }), into);
    },
    fused(fn, args, s: Settings, upstream, intoRaw) {
      const p = prepare(fn, args, s);
      const into = checkInto(fn, intoRaw, p.operands);
      const r = elementwiseSumGrad(p.job, upstream / p.divisor, { want: p.want, into: slotsInto(p, into) });
      return { value: reduce(r.sum, p.divisor, p.result), grads: perArgument(p, r.grads, into) };
    },
  };
  registry.push(decl);
  return decl;
}

/** The term a spec uses with its default options (for the kernel tests and the benchmark). */
function termsOf<S extends OptionSpecs>(spec: ElementwiseSpec<S>): string {
  const defaults = Object.fromEntries(Object.entries(spec.options).map(([k, v]) => [k, v.default]));
  if (spec.optionOperand) defaults[spec.optionOperand.option] = null;
  return spec.term({ ...defaults, reduction: 'mean' } as unknown as ParsedOptions<S, string>).term;
}

/** Two JS typed arrays of the same float type and length (and, when empty, not detached by a transfer). */
function arrayDType(a: Float32Array | Float64Array): 'float32' | 'float64' {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

function sameArrays(a: unknown, b: unknown): boolean {
  return (
    ((a instanceof Float32Array && b instanceof Float32Array) ||
      (a instanceof Float64Array && b instanceof Float64Array)) &&
    a.length === b.length &&
    (a.length > 0 || (!isDetached(a) && !isDetached(b)))
  );
}

/**
 * Whether any float element of `d` has its sign bit set (negative, −0, or a NaN with the bit): an OR of the 32-bit
 * words that hold the sign bits, four elements per iteration (~3.5× a compare per element on Node 20).
 */
function signBitsSet(d: Float32Array | Float64Array): boolean {
  const step = d instanceof Float64Array ? 2 : 1; // little-endian: a float64's sign is in its high word
  const u = new Int32Array(d.buffer, d.byteOffset, d.length * step);
  const end = u.length;
  const s4 = 4 * step;
  let m = 0;
  let i = step - 1;
  for (; i + 3 * step < end; i += s4) m |= u[i] | u[i + step] | u[i + 2 * step] | u[i + 3 * step];
  for (; i < end; i += step) m |= u[i];
  return m < 0;
}

/**
 * The RangeError for a negative element of `t` (GaussianNLL's var, which PyTorch refuses), naming the first one;
 * NaN and −0 are not negative. Float data is scanned by its sign bits first, element by element only when one is set.
 */
export function firstNegative(fn: string, what: string, t: Tensor): void {
  const data = t.data;
  if ((data instanceof Float32Array || data instanceof Float64Array) && !signBitsSet(data)) return;
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (v < 0) throw rangeError(fn, what, `${describe(v)} at index ${i}`);
  }
}
