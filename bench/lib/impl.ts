// What every implementation in the suite provides: a per-case preparation (inputs placed wherever that
// implementation needs them, outside the timing) that yields one call per input set.
import type { Case } from './cases.js';
import type { CaseData } from './data.js';

/** A prepared case: `call(s)` computes the loss ('mean') on input set s and returns it as a number. */
export interface Prepared {
  call(set: number): number;
  /** Backward cases: Σ g·x (float64) of the gradient the latest `call(set)` computed, checked like the value. */
  gradDot?(set: number): number;
  /** Releases whatever `prepare` placed (wasm memory, tfjs tensors). */
  dispose?(): void;
}

/** One implementation: `prepare` returns the calls, or the reason it does not apply to the case. */
export interface Impl {
  readonly name: string;
  prepare(c: Case, d: CaseData): Prepared | string;
}
