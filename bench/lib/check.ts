// "Checked before timed": an implementation is timed only after its value on the case's first input set agrees
// with the reference (PyTorch's value when PyTorch ran, else the float64 truth).

/** The reference value and the relative tolerance an implementation's value must meet. */
export interface Expectation {
  value: number;
  /** What `value` is: 'PyTorch' or 'float64 truth'. */
  source: string;
  tolerance: number;
}

/**
 * Relative tolerance for a check. Implementations that accumulate like PyTorch or better (simdloss, plain loops,
 * C) must agree to float32 rounding of a long sum; tfjs accumulates in float32 naively, and its own documented
 * semantics differ slightly (logLoss adds ε = 1e-7 inside each log), so it gets the looser bound.
 */
export function toleranceFor(impl: string, dtype: 'float32' | 'float64'): number {
  if (impl.startsWith('tfjs')) return 5e-2;
  return dtype === 'float32' ? 1e-4 : 1e-10;
}

/** Null when `got` meets the expectation, else a description of the mismatch. */
export function mismatch(got: number, e: Expectation): string | null {
  const rel = Math.abs(got - e.value) / Math.abs(e.value);
  if (Number.isFinite(got) && rel <= e.tolerance) return null;
  return `value ${got} differs from ${e.source} ${e.value} (relative ${rel.toExponential(2)} > ${e.tolerance})`;
}
