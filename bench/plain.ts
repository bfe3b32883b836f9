// Plain TypeScript loss loops, written the way a user would write them without simdloss: one pass, a float64
// accumulator, no SIMD. They are the baseline in `npm start` and in the benchmarks, and each is checked against
// simdloss (and so against PyTorch) before it is timed.

/** Mean of (x − y)². */
export function plainMse(x: Float32Array | Float64Array, y: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return s / x.length;
}

/** Mean of |x − y|. */
export function plainL1(x: Float32Array | Float64Array, y: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
  return s / x.length;
}

/** Mean SmoothL1 with threshold beta (> 0). */
export function plainSmoothL1(x: Float32Array | Float64Array, y: Float32Array | Float64Array, beta = 1): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    s += d < beta ? (0.5 * d * d) / beta : d - 0.5 * beta;
  }
  return s / x.length;
}

/** Mean binary cross-entropy with PyTorch's −100 clamp on each log. */
export function plainBce(x: Float32Array | Float64Array, y: Float32Array | Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError('input must be in [0, 1]');
    s -= y[i] * Math.max(Math.log(p), -100) + (1 - y[i]) * Math.max(Math.log1p(-p), -100);
  }
  return s / x.length;
}

/** Mean cross-entropy of `rows` rows of `classes` logits against class indices. */
export function plainCrossEntropy(logits: Float32Array | Float64Array, target: Int32Array, classes: number): number {
  const rows = target.length;
  let s = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c] - max);
    s += max + Math.log(sum) - logits[o + target[r]];
  }
  return s / rows;
}
