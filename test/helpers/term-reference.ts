// The TypeScript reference of an elementwise term (assembly/elementwise/terms/<term>.ts), one per term in
// test/kernel-refs/<term>.ts, exporting `reference`. test/elementwise-kernels.test.ts runs every term the binary
// exports, and every term a registered loss names, against its reference; a term without one fails there by name.
//
// A reference gives the term and its gradients in float64, and (unless the term is `wide`) their float32
// evaluation: each operation rounded with Math.fround, in the operation order the term's header states (PyTorch's).
// That is what makes "a SIMD lane, the scalar tail and the scalar build give the same bits" checkable against an
// independent evaluation. A `wide` term computes float32 inputs in float64 (the driver promotes them), so its
// float32 results are the float64 evaluation rounded once.
//
// Terms have two operands (a, b) or three (a, b, c); a two-operand term is run with c = 0 (the null pointer: every
// c_i is 0), as the facade runs it. The driver's composition (assembly/elementwise/driver.ts) is applied by the
// test, not by the references:
// (A term with scaledGrad gives the gradient times s itself: scaledGrad64 / scaledGrad32 replace ∂·s below.)
//   N = f64:           t = value64(a, b, c, p, q); map = t·w; grads ∂·s with s = w·(g or gs)
//   N = f32, narrow:   P = fround(p), Q = fround(q); t = value32(a, b, c, P, Q); map = fround(t·w);
//                      s = fround(w·(g or fround(gs))); grads fround(∂32(a, b, c, P, Q)·s)
//   N = f32, wide:     t = value64(a, b, c, p, q) (p, q not rounded); map = fround(t·w) (the product in float64);
//                      s as for narrow terms (float32); grads fround(∂64(a, b, c, p, q)·s)
//   N = f32, wide with value32 (narrowValue): t = value32(a, b, c, p, q); map = fround(t·w); grads as wide
// Sums add the terms before any rounding to N for wide terms (t·w in float64), the float32 terms for narrow ones
// (in float32 blocks of four per lane first for `float32Blocks` terms, unweighted).

/** The two element types of the kernels. */
export type KernelDType = 'f32' | 'f64';

/** One parameter set (p, q) of a term, as the facade passes them (e.g. SmoothL1's β as p). */
export interface TermParams {
  readonly p: number;
  readonly q: number;
  /** What the set exercises, for test names. */
  readonly label: string;
}

/** One input vector pair for a length: values as float64 numbers (rounded to the dtype by the test). */
export interface TermInputs {
  /** 'finite' vectors keep sums finite; others may hold NaN/±Inf and give NaN or infinite sums. */
  readonly name: string;
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  /** The third operand: required for a three-operand term, absent for a two-operand one. */
  readonly c?: ArrayLike<number>;
}

/** A term evaluated on numbers: (a, b, c, p, q) → value or gradient (c = 0 for a two-operand term). */
export type TermFn = (a: number, b: number, c: number, p: number, q: number) => number;

interface Common {
  /** The ABI prefix (`sq_diff` for `sq_diff_sum_f32`, …). */
  readonly term: string;
  /** 2: ℓ(a, b), run with c = 0; 3: ℓ(a, b, c). */
  readonly operands: 2 | 3;
  /** Parameter sets to test (at least one). */
  readonly params: readonly TermParams[];
  /** ℓ, ∂ℓ/∂a, ∂ℓ/∂b and ∂ℓ/∂c in float64 (and for wide terms, on float32 inputs too). */
  readonly value64: TermFn;
  readonly gradA64: TermFn;
  /**
   * Absent for an operand without a gradient (the facade then passes a null output pointer; the test does the
   * same). A two-operand term has no gradC.
   */
  readonly gradB64?: TermFn;
  readonly gradC64?: TermFn;
  /**
   * For a term with `scaledGrad`: the gradient times s in float64 (float64 inputs, and float32 inputs of a wide
   * term, whose result is rounded once). Which gradients exist is still given by gradA64/gradB64/gradC64.
   */
  readonly scaledGrad64?: ScaledGradFn;
  /**
   * Input vectors of length n suited to the term's domain, for the element type `dtype` and parameters `params`:
   * at least one 'finite' vector, and edge values (NaN, ±Inf, ±0, branch boundaries) wherever the term's header
   * promises a behaviour. Deterministic given `rng`. Positions of special values should vary with n, so that
   * they land in SIMD lanes and in scalar tails.
   */
  inputs(n: number, dtype: KernelDType, params: TermParams, rng: () => number): TermInputs[];
}

/**
 * ∂ℓ/∂(operand `which`: 0 a, 1 b, 2 c) times the upstream s, for a term that defines `scaledGrad` (the driver then
 * calls it instead of taking gradX·s): the term multiplies s in itself, in its own (PyTorch's autograd) order.
 */
export type ScaledGradFn = (which: number, a: number, b: number, c: number, s: number, p: number, q: number) => number;

/** A term computed in the input's precision: its float32 evaluation, operation by operation. */
export interface NarrowTermReference extends Common {
  readonly wide: false;
  /** Float32 evaluations (inputs and p, q are float32 values; each operation rounded with Math.fround). */
  readonly value32: TermFn;
  readonly gradA32: TermFn;
  readonly gradB32?: TermFn;
  readonly gradC32?: TermFn;
  /** For a term with `scaledGrad`: its float32 result (inputs and s are float32 values). */
  readonly scaledGrad32?: ScaledGradFn;
  /**
   * The term is never negative (`nonNegative()` in its class): its unweighted float32 sums add each lane's four
   * terms of a 16-element block pairwise in float32 before widening (assembly/elementwise/driver.ts), which adds
   * at most 2·2^-24·Σ t to the float64 summation bound.
   */
  readonly float32Blocks?: true;
}

/** A term whose float32 inputs are computed in float64 (`wide()` in its class). */
export interface WideTermReference extends Common {
  readonly wide: true;
  /**
   * A wide term with `narrowValue()`: its float32 value (a float32 number, the term's own choice of float32 or
   * float64 arithmetic); the weight then multiplies in float32 and sums add these float32 terms. Only the
   * gradients are wide.
   */
  readonly value32?: TermFn;
  /**
   * With `value32`: the unweighted float32 sum with q = 0 is certified per block (gaussian_nll.ts): accepted blocks
   * are within 2^-23·Σ|ℓ| of the float64 truth instead of adding the float32 terms, refused blocks add the float32
   * terms. Both are within 2^-22·Σ|terms| (1 + 2^-22) of Σ terms plus the float64 summation bound, the bound the
   * kernel test then allows; test/certified-sums.test.ts holds the blocks to their own bound.
   */
  readonly certifiedSum?: true;
}

export type TermReference = NarrowTermReference | WideTermReference;

// ---------------------------------------------------------------------------------------------------------------
// Input helpers shared by the references.

/**
 * Values drawn by `draw`, with `specials` spliced in at every third position starting at 1 (cycling through the
 * list from an offset that depends on n, so each special value meets every lane position and the scalar tail
 * across the lengths tested).
 */
export function sprinkle(n: number, draw: (i: number) => number, specials: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(specials.length > 0 && i % 3 === 1 ? specials[(Math.floor(i / 3) + n) % specials.length] : draw(i));
  }
  return out;
}

/** A value of varied magnitude: mostly in (−4, 4), sometimes tiny or large (finite in float32). */
export function mixedValue(rng: () => number): number {
  const u = rng();
  const sign = rng() < 0.5 ? -1 : 1;
  if (u < 0.7) return (rng() - 0.5) * 8;
  if (u < 0.8) return sign * rng() * 1e-6;
  if (u < 0.9) return sign * rng() * 1e4;
  return (sign * Math.floor(rng() * 16)) / 4; // exact quarters: ties between a and b
}
