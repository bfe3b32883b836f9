// PoissonNLLLoss: ℓ = e^x − t·x (logInput, the default) or x − t·log(x + eps), plus with `full` the Stirling term
// t·log t − t + 0.5·log(2πt) where t > 1; PyTorch's torch.nn.PoissonNLLLoss / F.poisson_nll_loss. Input and target
// broadcast (a bigger target widens the result); integer targets (counts) are taken, as PyTorch takes them.
// Kernels: assembly/elementwise/terms/poisson_nll.ts.
import type { LossFunction } from '../core/loss.js';
import { functional, Loss } from '../core/loss.js';
import type { Reduction } from '../core/options.js';
import { booleanOption, numberOption } from '../core/options.js';
import type { TensorInput } from '../tensor/coerce.js';
import { elementwiseLoss } from './elementwise.js';
import type { MSELossOptions } from './mse.js';

/** Options of PoissonNLLLoss: `logInput` (true), `full` (false), `eps` (1e-8), `reduction`, legacy flags. */
export interface PoissonNLLLossOptions extends MSELossOptions {
  /** The input is the log of the rate (default true): ℓ = e^input − target·input; false: ℓ = input − target·log(input + eps). */
  logInput?: boolean;
  /** Add the Stirling approximation of log(target!) where target > 1 (default false). */
  full?: boolean;
  /** Added to the input inside the log when `logInput` is false (default 1e-8); unused otherwise. */
  eps?: number;
}

const poissonNll = elementwiseLoss({
  name: 'poissonNllLoss',
  className: 'PoissonNLLLoss',
  options: { logInput: booleanOption(true), full: booleanOption(false), eps: numberOption(1e-8) },
  // PyTorch 1.13 raises "elementwise_mean is not valid" here (its own check runs before the enum).
  reduction: { allowed: ['none', 'mean', 'sum'], default: 'mean', legacy: true, elementwiseMean: false },
  operands: [{ name: 'target', shape: 'broadcast', kind: 'label' }],
  term: (o) => ({ term: o.logInput ? 'poisson_nll_log' : 'poisson_nll', p: o.eps, q: o.full ? 1 : 0 }),
});

/**
 * Poisson negative log likelihood, like `torch.nn.functional.poisson_nll_loss`: e^input − target·input per element
 * (or input − target·log(input + eps) with `logInput: false`), plus the Stirling term
 * target·log(target) − target + 0.5·log(2π·target) where target > 1 when `full`, then reduced.
 * @param input The log-rate (or the rate with `logInput: false`), float32 or float64.
 * @param target Counts: float or integer (int32/int64, converted to the input's dtype; no gradient), broadcastable
 *   with the input (a bigger target widens the result, as in PyTorch).
 * @param options `logInput` (default true), `full` (default false), `eps` (default 1e-8), `reduction`: `'mean'`
 *   (default), `'sum'` or `'none'`; or the legacy `sizeAverage` / `reduce`.
 * @returns A number for `'mean'`/`'sum'`; a Tensor of the broadcast shape for `'none'`.
 * @throws {TypeError} For a non-float input (PyTorch computes integer inputs; simdloss refuses them), a
 *   non-numeric target, unknown option keys or malformed options.
 * @throws {RangeError} For shapes that do not broadcast or an unknown reduction (also 'elementwise_mean', as PyTorch).
 * @example
 * F.poissonNllLoss([0.5, 1], [1, 2]); // 0.9335015416145325 (PyTorch: tensor(0.9335); the float64 value rounded once)
 */
export const poissonNllLoss: LossFunction<[input: TensorInput, target: TensorInput], PoissonNLLLossOptions> =
  functional(poissonNll);

/**
 * `torch.nn.PoissonNLLLoss` as a module, with `backward()` for the gradients of the input and the target.
 * @example
 * new nn.PoissonNLLLoss({ full: true, reduction: 'sum' }).forward([0.5, 1], [1, 3]); // 2.631084680557251 (PyTorch: tensor(2.6311))
 */
export class PoissonNLLLoss<O extends PoissonNLLLossOptions = {}> extends Loss<
  [input: TensorInput, target: TensorInput],
  O
> {
  /** The effective reduction (legacy flags already applied). */
  declare readonly reduction: Reduction;
  /** Whether the input is a log-rate. */
  declare readonly logInput: boolean;
  /** Whether the Stirling term is added. */
  declare readonly full: boolean;
  /** The stabiliser of log(input + eps). */
  declare readonly eps: number;
  /** @param options `logInput` (true), `full` (false), `eps` (1e-8), `reduction` (default `'mean'`), legacy flags. */
  constructor(options?: O) {
    super(poissonNll, options);
  }
}
