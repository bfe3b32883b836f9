// A loss is a declaration: names, arguments, options, and three computations (forward, backward, and optionally
// the fused forward-and-backward of a reduction). From a declaration come `F.<name>` (`functional`), the shared
// base of `nn.<ClassName>` (`Loss`: forward, backward and the state a forward saves), `valueAndGrad`, and the
// registry the tests and the benchmark iterate. Shaped after torch's `_Loss` and Lua nn's
// updateOutput / updateGradInput: the declaration owns the arithmetic, this file the protocol.
import { typeError, rangeError, describe } from '../errors.js';
import type { TensorInput } from '../tensor/coerce.js';
import { asTensor } from '../tensor/coerce.js';
import { isFloat } from '../tensor/dtype.js';
import { sameShape, shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { OptionSpecs, ParsedOptions, ReductionSpec } from './options.js';
import { parseOptions } from './options.js';

/** What a forward produced: the loss, the argument tensors gradients are taken for, and what backward needs. */
export interface Forward<Saved = unknown> {
  /** A number for a reduction, a Tensor for reduction 'none'. */
  readonly value: number | Tensor;
  /**
   * One entry per tensor argument: the argument as a Tensor when it has a gradient (its shape and dtype are the
   * gradient's), null when PyTorch has none (integer targets, …).
   */
  readonly operands: readonly (Tensor | null)[];
  readonly saved: Saved;
}

/** A gradient: a float tensor of its argument's shape and dtype. */
export type Gradient = Tensor<'float32' | 'float64'>;

/** Where gradients are written: one entry per tensor argument (null: allocate a new Tensor). */
export type GradInto = readonly (Tensor | null)[];

/** The declaration of one loss. Settings are the validated options in the form the computations want. */
export interface LossDeclaration<
  S extends OptionSpecs = OptionSpecs,
  R extends string = string,
  Settings = unknown,
  Saved = unknown,
> {
  /** `F.<name>`: torch.nn.functional's name in camelCase. */
  readonly name: string;
  /** `nn.<className>`: torch.nn's class name. */
  readonly className: string;
  /** The tensor arguments, in PyTorch's order. */
  readonly args: readonly string[];
  /** The options besides `reduction` (and the legacy flags, which `reduction.legacy` adds). */
  readonly options: S;
  readonly reduction: ReductionSpec<R>;
  /** The ABI prefixes of the kernels it runs (for the kernel tests and the benchmark). */
  readonly kernels: readonly string[];
  /**
   * Tensor arguments the loss accepts with its default options, for registry-driven tests that need one valid call
   * of every loss (test/options.test.ts); absent: a (2, 3) float input with a float target of its shape.
   */
  readonly example?: () => unknown[];
  /**
   * Arguments (by index) whose PyTorch gradient is not the derivative with respect to the argument as given:
   * 'logSoftmax' means with respect to the logits z of `argument = log_softmax(z)` over its last dimension
   * (CTCLoss's log_probs). The gradient tests differentiate loss(log_softmax(z)) for these. Absent: none.
   */
  readonly gradThrough?: Readonly<Record<number, 'logSoftmax'>>;
  /** Validated options in the computations' form; `fn` names the caller in errors. */
  settings(fn: string, options: ParsedOptions<S, R>): Settings;
  /** The loss of `args` (already split from the options); with `save`, keeps what backward needs. */
  forward(fn: string, args: readonly unknown[], settings: Settings, save: boolean): Forward<Saved>;
  /**
   * The gradients of a saved forward, times `upstream` (a number when the output is 0-d, else a Tensor of the
   * output's shape and dtype), written into `into` where given (validated by the core).
   */
  backward(
    fn: string,
    forward: Forward<Saved>,
    settings: Settings,
    upstream: number | Tensor,
    into: GradInto,
  ): (Tensor | null)[];
  /**
   * The value and gradients of a reduction in one pass, or absent (then forward and backward run in turn). `into`
   * is unvalidated here: call `checkInto` once the operands are known.
   */
  fused?(
    fn: string,
    args: readonly unknown[],
    settings: Settings,
    upstream: number,
    into: readonly unknown[],
  ): {
    value: number;
    grads: (Tensor | null)[];
  };
}

/** Any declaration (for the registry). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds declarations of every settings and saved-state type
export type AnyLossDeclaration = LossDeclaration<OptionSpecs, string, any, any>;

/** Every declared loss, in declaration order (the tests and the benchmark iterate it). */
export const registry: AnyLossDeclaration[] = [];

/**
 * The static result type of a loss called with options `O`: a Tensor for `reduction: 'none'`, a number for the
 * reductions (or no reduction given), and either when it can only be known at run time (a reduction typed as a
 * union that includes 'none', or the legacy flags).
 */
export type LossResult<O> = O extends { reduction: 'none' }
  ? Tensor
  : O extends { sizeAverage: boolean } | { reduce: boolean }
    ? number | Tensor
    : O extends { reduction?: infer R }
      ? 'none' extends R
        ? number | Tensor
        : number
      : number;

/** A functional loss `F.<name>`: the tensor arguments in PyTorch's order, then the options. */
export interface LossFunction<A extends readonly unknown[], O extends object> {
  (...args: A): number;
  <P extends O>(...args: [...A, options?: P]): LossResult<P>;
}

/** What `valueAndGrad(F.<name>)` returns: the same arguments, the value and the gradients. */
export interface ValueAndGradFunction<A extends readonly unknown[], O extends object> {
  (...args: A): ValueAndGrad<number>;
  <P extends O>(...args: [...A, options?: P]): ValueAndGrad<LossResult<P>>;
}

/** The parsed options and settings of a call: kept per module, cached for calls without options. */
interface Resolved {
  readonly options: ParsedOptions<OptionSpecs, string>;
  readonly settings: unknown;
}

function resolve(decl: AnyLossDeclaration, fn: string, options: unknown): Resolved {
  const parsed = parseOptions(fn, decl.options, decl.reduction, options);
  return { options: parsed, settings: decl.settings(fn, parsed) };
}

const declarations = new WeakMap<Function, { decl: AnyLossDeclaration; defaults: () => Resolved }>();

/** Splits a functional call's arguments into the tensors and the options. */
function splitArgs(decl: AnyLossDeclaration, fn: string, all: readonly unknown[]): [readonly unknown[], unknown] {
  const n = decl.args.length;
  if (all.length < n) throw typeError(fn, `expected ${n} tensor arguments (${decl.args.join(', ')})`, `${all.length}`);
  if (all.length > n + 1) {
    throw typeError(
      fn,
      `expected ${n} tensor arguments (${decl.args.join(', ')}) and an options object`,
      `${all.length} arguments`,
    );
  }
  return [all.length === n ? all : all.slice(0, n), all[n]];
}

/** `F.<name>` of a declaration (registers it for `valueAndGrad`). */
export function functional<A extends readonly unknown[], O extends object>(
  decl: AnyLossDeclaration,
): LossFunction<A, O> {
  const fn = decl.name;
  let cached: Resolved | undefined;
  const defaults = (): Resolved => (cached ??= resolve(decl, fn, undefined));
  const f = {
    [fn](...all: unknown[]): unknown {
      const [args, options] = splitArgs(decl, fn, all);
      const r = options === undefined ? defaults() : resolve(decl, fn, options);
      return decl.forward(fn, args, r.settings, false).value;
    },
  }[fn];
  declarations.set(f, { decl, defaults });
  return f as unknown as LossFunction<A, O>;
}

// ---------------------------------------------------------------------------------------------------------------
// Gradients

/**
 * The upstream gradient for an output of `value`'s shape: a number (default 1) when it is 0-d, else a Tensor of
 * its shape in its dtype (required).
 */
function upstreamFor(fn: string, value: number | Tensor, gradOutput: unknown): number | Tensor {
  const shape = value instanceof Tensor ? value.shape : [];
  if (shape.length === 0) {
    if (gradOutput === undefined) return 1;
    if (typeof gradOutput === 'number') return gradOutput;
    const g = asTensor(fn, 'gradOutput', gradOutput, 'float64');
    if (g.numel() !== 1 || g.shape.length !== 0) {
      throw rangeError(fn, 'gradOutput must be a number or a 0-d tensor for a 0-d loss', `shape ${shapeStr(g.shape)}`);
    }
    return Number(g.data[0]);
  }
  const out = value as Tensor;
  if (gradOutput === undefined || typeof gradOutput === 'number') {
    throw rangeError(
      fn,
      `gradOutput must be a tensor of the output's shape ${shapeStr(shape)} (reduction 'none')`,
      describe(gradOutput),
    );
  }
  const g = asTensor(fn, 'gradOutput', gradOutput, out.dtype);
  if (!isFloat(g.dtype)) throw typeError(fn, 'gradOutput must be a float32 or float64 tensor', g.dtype);
  if (!sameShape(g.shape, shape)) {
    throw rangeError(fn, `gradOutput must have the output's shape ${shapeStr(shape)}`, `shape ${shapeStr(g.shape)}`);
  }
  if (g.dtype === out.dtype) return g;
  const data =
    out.dtype === 'float32' ? Float32Array.from(g.data as Float64Array) : Float64Array.from(g.data as Float32Array);
  return new Tensor(data, shape, out.dtype);
}

/**
 * Validates gradient destinations against the operands: one entry per tensor argument, each a Tensor of that
 * argument's shape and dtype, or null/undefined (allocate); an argument without a gradient must get none.
 */
export function checkInto(
  fn: string,
  into: readonly unknown[] | undefined,
  operands: readonly (Tensor | null)[],
): GradInto {
  if (into === undefined) return operands.map(() => null);
  if (!Array.isArray(into))
    throw typeError(fn, 'into must be an array with one entry per tensor argument', describe(into));
  if (into.length > operands.length) {
    throw rangeError(fn, `into has one entry per tensor argument (${operands.length})`, `${into.length} entries`);
  }
  return operands.map((op, i) => {
    const t = into[i];
    if (t === undefined || t === null) return null;
    if (!(t instanceof Tensor)) throw typeError(fn, `into[${i}] must be a Tensor or null`, describe(t));
    if (op === null) throw typeError(fn, `argument ${i} has no gradient, so into[${i}] must be null`, 'a Tensor');
    if (!sameShape(t.shape, op.shape) || t.dtype !== op.dtype) {
      throw rangeError(
        fn,
        `into[${i}] must have the argument's shape ${shapeStr(op.shape)} and dtype ${op.dtype}`,
        `${t.dtype} of shape ${shapeStr(t.shape)}`,
      );
    }
    return t;
  });
}

/**
 * The shared base of every `nn.<Loss>` module: options parsed once, `forward` returning the loss and keeping what
 * `backward` needs, `backward` returning one gradient per tensor argument of the last forward.
 */
export class Loss<A extends readonly unknown[], O extends object> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: string;
  readonly #decl: AnyLossDeclaration;
  readonly #settings: unknown;
  #last: Forward | undefined;

  /** @internal Subclasses pass their declaration; `options` as the subclass documents. */
  constructor(decl: AnyLossDeclaration, options?: O) {
    const r = resolve(decl, decl.className, options);
    this.#decl = decl;
    this.#settings = r.settings;
    // torch modules expose their options as attributes (m.reduction, m.weight, …); so does every nn class here.
    for (const [key, value] of Object.entries(r.options)) {
      Object.defineProperty(this, key, { value, enumerable: true });
    }
  }

  /**
   * The loss of the arguments, as the matching `F` function computes it; keeps what `backward` needs (replacing
   * the previous forward's).
   */
  forward(...args: A): LossResult<O> {
    const d = this.#decl;
    const f = d.forward(`${d.className}.forward`, args, this.#settings, true);
    this.#last = f;
    return f.value as LossResult<O>;
  }

  /**
   * The gradients of the last forward's loss with respect to each of its tensor arguments, like
   * `torch.autograd.grad(loss, args, gradOutput)`: a Tensor of the argument's shape and dtype, or null where
   * PyTorch has no gradient (integer class indices). The arguments must not have changed since the forward.
   * @param gradOutput The upstream gradient: a number or 0-d tensor (default 1) when the loss is 0-d (every
   *   reduction, and 'none' on unbatched input); otherwise a tensor of the output's shape (required).
   * @param into Where to write the gradients: one entry per tensor argument, a Tensor of that argument's shape and
   *   dtype (an `alloc`ed one is written in place, so a training step allocates nothing) or null.
   * @throws {RangeError} Before any forward, or for a missing or misshapen gradOutput or `into` entry.
   * @throws {TypeError} For a gradOutput or `into` entry of the wrong type.
   */
  backward(gradOutput?: number | TensorInput, into?: readonly (Tensor | null | undefined)[]): (Gradient | null)[] {
    const d = this.#decl;
    const fn = `${d.className}.backward`;
    const f = this.#last;
    if (!f) throw rangeError(fn, 'backward needs a forward first', 'no forward');
    const upstream = upstreamFor(fn, f.value, gradOutput);
    return d.backward(fn, f, this.#settings, upstream, checkInto(fn, into, f.operands)) as (Gradient | null)[];
  }
}

/** How `valueAndGrad` takes the upstream gradient and gradient destinations. */
export interface ValueAndGradConfig {
  /** The upstream gradient (see `Loss.backward`); default 1 for a 0-d loss, required otherwise. */
  gradOutput?: number | TensorInput;
  /** Gradient destinations, one per tensor argument (see `Loss.backward`). */
  into?: readonly (Tensor | null | undefined)[];
}

/** The result of a `valueAndGrad` call: the loss and one gradient per tensor argument. */
export interface ValueAndGrad<V> {
  /** The loss, as the `F` function returns it. */
  value: V;
  /** One gradient per tensor argument: a Tensor of the argument's shape and dtype, or null (no gradient). */
  grads: (Gradient | null)[];
}

/**
 * The loss and its gradients in one fused call, like `torch.func.grad_and_value` for a loss:
 * `valueAndGrad(F.crossEntropy)(x, y, options)` returns `{ value, grads }` with one gradient per tensor argument
 * (null where PyTorch has none). For a reduction the forward and backward run as one pass over the data.
 * @param fn A simdloss functional (`F.<name>`).
 * @param config `gradOutput` (default 1; required for a non-0-d 'none' output) and `into` (gradient destinations).
 * @throws {TypeError} When `fn` is not a simdloss loss function; otherwise as the loss and `Loss.backward` throw.
 * @example
 * const { value, grads } = valueAndGrad(F.mseLoss)([1, 2, 3], [2, 2, 4]); // value 0.6666666865348816
 * grads[0]?.toString(); // 'tensor([-0.6667,  0.0000, -0.6667])'
 */
export function valueAndGrad<A extends readonly unknown[], O extends object>(
  fn: LossFunction<A, O>,
  config?: ValueAndGradConfig,
): ValueAndGradFunction<A, O> {
  const entry = declarations.get(fn as unknown as Function);
  if (!entry) throw typeError('valueAndGrad', 'expected a simdloss loss function (F.<name>)', describe(fn));
  const { decl, defaults } = entry;
  const name = decl.name;
  return ((...all: unknown[]) => {
    const [args, options] = splitArgs(decl, name, all);
    const r = options === undefined ? defaults() : resolve(decl, name, options);
    const g = config?.gradOutput;
    if (r.options.reduction !== 'none' && decl.fused && (g === undefined || typeof g === 'number')) {
      return decl.fused(name, args, r.settings, g ?? 1, config?.into ?? []);
    }
    const f = decl.forward(name, args, r.settings, true);
    const upstream = upstreamFor(name, f.value, g);
    return {
      value: f.value,
      grads: decl.backward(name, f, r.settings, upstream, checkInto(name, config?.into, f.operands)),
    };
  }) as never;
}
