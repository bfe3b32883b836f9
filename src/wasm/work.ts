// Float64 work arrays for the facade's per-row steps (row statistics, norms, per-row losses), reused across calls.
// A typed array over 64 bytes lives off V8's heap, and allocating then collecting the six to eight per-row arrays of
// a CosineEmbedding or triplet call cost more than its kernels at 10^3 elements (bench/experiments/facade-cost.ts).
//
// Contract: `scoped(body)` runs `body` with an allocator whose arrays are zeroed (like `new Float64Array(n)`) and
// valid until `body` returns or throws; they must never escape it (no result's data, no saved state: callers use
// `fresh` for those). Scopes nest, as a custom distance function may call another loss inside a triplet call: a scope
// hands out the slots above the current top and gives them back when it ends. Arrays above MAX_POOLED elements are
// allocated fresh (their cost is small beside the work over them, and the pool never holds more than it needs for
// small calls).
/** Allocates n zeroed float64 values. */
export type F64Alloc = (n: number) => Float64Array;

/** A new array per request: for results and for state that outlives the call. */
export const fresh: F64Alloc = (n) => new Float64Array(n);

/** Elements: larger requests are not pooled. */
const MAX_POOLED = 1 << 15;

/** Per slot: its buffer, and the last view handed out (reused while calls ask for the same length). */
const buffers: Float64Array[] = [];
const views: Float64Array[] = [];
let top = 0;

const pooled: F64Alloc = (n) => {
  if (n > MAX_POOLED) return new Float64Array(n);
  const i = top++;
  let v = views[i];
  if (v === undefined || v.length !== n) {
    let b = buffers[i];
    if (b === undefined || b.length < n) {
      b = new Float64Array(Math.min(MAX_POOLED, Math.max(n, 64, 2 * (b?.length ?? 0))));
      buffers[i] = b;
    }
    v = b.length === n ? b : b.subarray(0, n);
    views[i] = v;
  }
  v.fill(0);
  return v;
};

/**
 * Runs `body` with a pooled allocator (see the header: zeroed arrays, valid only inside `body`).
 * @example
 * const total = scoped((alloc) => { const t = alloc(rows); … return sum(t); });
 */
export function scoped<R>(body: (alloc: F64Alloc) => R): R {
  const mark = top;
  try {
    return body(pooled);
  } finally {
    top = mark;
  }
}
