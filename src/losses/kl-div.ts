// KLDivLoss: ℓ = target·(log target − input) (xlogy(t, t) − t·x, PyTorch's edges) or, with logTarget,
// e^target·(target − input); PyTorch's torch.nn.KLDivLoss / F.kl_div. Input and target broadcast (silently, as in
// PyTorch). 'batchmean' divides the sum by input.size(0) (0-d input: by 1), even when the target broadcasts the
// result to a bigger batch; 'mean' warns as PyTorch does. Kernels: assembly/elementwise/terms/kl_div.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import { booleanOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { warnOnce } from '../warnings.js';
import type { Divisor } from './elementwise.js';
import { elementwiseLoss } from './elementwise.js';

/** KLDivLoss's reductions: the standard three and 'batchmean'. */
export type KLDivReduction = 'none' | 'mean' | 'sum' | 'batchmean';

/** Options of KLDivLoss: `reduction` (default `'mean'`), `logTarget` (default false), legacy flags. */
export interface KLDivLossOptions {
  /**
   * `'mean'` (default; divides by the number of elements, with PyTorch's warning), `'batchmean'` (divides by the
   * input's first dimension: the KL divergence per sample), `'sum'` or `'none'`.
   */
  reduction?: KLDivReduction;
  /** The target holds log-probabilities; default false. */
  logTarget?: boolean;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  sizeAverage?: boolean;
  /** @deprecated PyTorch's legacy flag; use `reduction`. Overrides `reduction` when set, like PyTorch. */
  reduce?: boolean;
}

/** PyTorch 1.13's UserWarning for reduction='mean' (its three sentences joined without spaces, as PyTorch prints them). */
const MEAN_WARNING =
  "reduction: 'mean' divides the total loss by both the batch size and the support size." +
  "'batchmean' divides only by the batch size, and aligns with the KL div math definition." +
  "'mean' will be changed to behave the same as 'batchmean' in the next major release.";

const klDivDecl = elementwiseLoss({
  name: 'klDiv',
  className: 'KLDivLoss',
  options: { logTarget: booleanOption(false) },
  reduction: { allowed: ['none', 'batchmean', 'sum', 'mean'], default: 'mean', legacy: true, elementwiseMean: true },
  operands: [{ name: 'target', shape: 'broadcast' }],
  term: (o) => ({ term: o.logTarget ? 'kl_div_log' : 'kl_div' }),
  divisor(fn, o): Divisor {
    // nn.KLDivLoss turns the legacy flags into its `reduction` string and calls F.kl_div with it alone; F.kl_div
    // applies the flags and then still looks at its `reduction` argument. So the two differ when both are given.
    const module = fn === 'KLDivLoss';
    const { legacy, reduction: asked } = o.requested;
    if (legacy ? module && o.reduction === 'mean' : (asked ?? 'mean') === 'mean')
      warnOnce('kl_div:mean', MEAN_WARNING, 'UserWarning');
    const mean = o.reduction === 'mean';
    const batchmean = o.reduction === 'batchmean' || (legacy && !module && asked === 'batchmean');
    if (!batchmean) return mean ? (_input, n) => n : () => 1;
    // F.kl_div: `reduced / input.size()[0]` unless the input is 0-d; after a legacy 'mean' that is a second division.
    return (input, n) => (mean ? n : 1) * (input.length === 0 ? 1 : input[0]);
  },
});

/**
 * Kullback-Leibler divergence, like `torch.nn.functional.kl_div`: target·(log target − input) per element, as
 * PyTorch computes it (xlogy(target, target) − target·input: a zero target gives 0, a negative one NaN, an input of
 * −∞ with a zero target NaN), or e^target·(target − input) with `logTarget` (a target of −∞ gives NaN); then reduced.
 * @param input Log-probabilities (float32 or float64).
 * @param target Probabilities (or log-probabilities with `logTarget`), broadcastable with the input (float32 or
 *   float64; float64 with a float32 input computes in float64).
 * @param options `reduction`: `'mean'` (default, with PyTorch's warning that it is not the KL divergence),
 *   `'batchmean'` (sum / input.shape[0]; the true KL divergence per sample), `'sum'` or `'none'`; `logTarget`
 *   (default false); or the legacy `sizeAverage` / `reduce` (here, as in F.kl_div, `reduction: 'batchmean'` given
 *   with them still divides their result by the batch size; nn.KLDivLoss ignores it).
 * @returns A number for the reductions; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For non-float tensors (PyTorch: "Integral inputs not supported"), unknown option keys or
 *   malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction.
 * @example
 * F.klDiv([-1, -2], [0.25, 0.75], { reduction: 'batchmean' }); // 0.5938324332237244 (PyTorch: tensor(0.5938))
 */
export const klDiv: LossFunction<[input: TensorInput, target: TensorInput], KLDivLossOptions> = functional(klDivDecl);

/**
 * `torch.nn.KLDivLoss` as a module, with `backward()` for the gradients of the input and the target.
 * @example
 * new nn.KLDivLoss({ reduction: 'sum', logTarget: true }).forward([[-1, -2]], [[-1.5, -0.5]]); // 0.7982308864593506
 */
export class KLDivLoss<O extends KLDivLossOptions = {}> extends Loss<[input: TensorInput, target: TensorInput], O> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: KLDivReduction;
  /** Whether the target holds log-probabilities. */
  declare readonly logTarget: boolean;
  /** @param options `reduction` (default `'mean'`), `logTarget` (default false), or the legacy flags. */
  constructor(options?: O) {
    super(klDivDecl, options);
  }
}
