// Shapes: element counts, broadcasting (NumPy/PyTorch rules) and the strings errors print them as.

/** Product of the dimensions (1 for a 0-d shape). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as PyTorch prints it in messages: `[2, 3]`. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** True when both shapes have the same dimensions. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The broadcast shape of `a` and `b`, or undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Element strides of `shape` read as if broadcast to `outShape` (0 along broadcast dimensions), one per
 * dimension of `outShape`. `shape` must broadcast to `outShape`.
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = outShape.length - shape.length + i;
    strides[j] = shape[i] === 1 && outShape[j] !== 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}
