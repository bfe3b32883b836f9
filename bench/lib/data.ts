// The inputs of a case: `sets` rotating input sets, deterministic (seeded by the case id), written once to
// binary files so the other processes (plain loops, PyTorch, C) read exactly the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Case } from './cases.js';
import { isCe } from './cases.js';
import { argShape, isIntArg, moreSpec } from './more.js';

export type Floats = Float32Array | Float64Array;

/** A case's data: every set's input and target back to back (set s at [s·len, (s+1)·len)). */
export interface CaseData {
  /** Inputs: predictions, probabilities (BCE) or logits (CrossEntropy). */
  x: Floats;
  /** Targets: floats of the input's length, or int32 class indices (one per row) for CrossEntropy. */
  y: Floats | Int32Array;
  /** Set s of the inputs and targets. */
  xs: Floats[];
  ys: Array<Floats | Int32Array>;
  /** 'more' cases: every argument of set s, in the loss's order (args[s][0] is xs[s], args[s][1] is ys[s]). */
  args?: Array<Array<Floats | Int32Array>>;
  /** 'more' cases: each argument's whole array (all sets back to back), as written to its file. */
  whole?: Array<Floats | Int32Array>;
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

function split(c: Case, x: Floats, y: Floats | Int32Array): CaseData {
  const yLen = isCe(c) ? c.rows! : c.elements;
  const xs: Floats[] = [];
  const ys: Array<Floats | Int32Array> = [];
  for (let s = 0; s < c.sets; s++) {
    xs.push(x.subarray(s * c.elements, (s + 1) * c.elements));
    ys.push(y.subarray(s * yLen, (s + 1) * yLen));
  }
  return { x, y, xs, ys };
}

/**
 * Generates a case's inputs. Regression losses: input and target uniform in [−2, 2), so |x − y| < 1 (SmoothL1's
 * quadratic branch) holds for about 44% of elements, at random. BCE: probabilities in [0.001, 0.999), targets
 * uniform in [0, 1). CrossEntropy: logits uniform in [−4, 4), class indices uniform in [0, C).
 */
export function generate(c: Case): CaseData {
  const r = rng(seedOf(c.id));
  const Arr = c.dtype === 'float32' ? Float32Array : Float64Array;
  if (c.loss === 'more') return splitMore(c, generateMore(c, r, Arr));
  const total = c.elements * c.sets;
  const x = new Arr(total);
  let y: Floats | Int32Array;
  if (isCe(c)) {
    for (let i = 0; i < total; i++) x[i] = 8 * r() - 4;
    y = new Int32Array(c.rows! * c.sets);
    for (let i = 0; i < y.length; i++) y[i] = Math.floor(r() * c.classes!);
  } else if (c.loss === 'bce') {
    for (let i = 0; i < total; i++) x[i] = 0.001 + 0.998 * r();
    y = new Arr(total);
    for (let i = 0; i < total; i++) y[i] = r();
  } else {
    for (let i = 0; i < total; i++) x[i] = 4 * r() - 2;
    y = new Arr(total);
    for (let i = 0; i < total; i++) y[i] = 4 * r() - 2;
  }
  return split(c, x, y);
}

/** Length of argument k of a 'more' case, per set. */
function argLength(c: Case, k: number): number {
  return argShape(moreSpec(c.more!), k, c.elements).reduce((a, b) => a * b, 1);
}

/**
 * The arguments of an issue-10 case (bench/lib/more.ts), all sets back to back: uniform floats in [lo, hi), ±1
 * signs, 0/1 bits, class indices in [0, width), or 1–3 distinct labels per row padded with −1.
 */
function generateMore(
  c: Case,
  r: () => number,
  Arr: Float32ArrayConstructor | Float64ArrayConstructor,
): CaseData['whole'] {
  const spec = moreSpec(c.more!);
  const W = spec.width ?? 1;
  return spec.args.map((a, k) => {
    const len = argLength(c, k) * c.sets;
    if (a.kind === 'class') {
      const t = new Int32Array(len);
      for (let i = 0; i < len; i++) t[i] = Math.floor(r() * W);
      return t;
    }
    if (a.kind === 'multilabel') {
      const t = new Int32Array(len).fill(-1);
      for (let o = 0; o < len; o += W) {
        const labels = new Set<number>();
        const k = 1 + Math.floor(r() * 3);
        while (labels.size < k) labels.add(Math.floor(r() * W));
        t.set([...labels], o);
      }
      return t;
    }
    const v = new Arr(len);
    const lo = a.lo ?? 0;
    const span = (a.hi ?? 1) - lo;
    for (let i = 0; i < len; i++)
      v[i] = a.kind === 'sign' ? (r() < 0.5 ? -1 : 1) : a.kind === 'bits' ? (r() < 0.5 ? 0 : 1) : lo + span * r();
    return v;
  });
}

function splitMore(c: Case, whole: CaseData['whole']): CaseData {
  const args: Array<Array<Floats | Int32Array>> = [];
  for (let s = 0; s < c.sets; s++) {
    args.push(whole!.map((a, k) => a.subarray(s * argLength(c, k), (s + 1) * argLength(c, k))));
  }
  return {
    x: whole![0] as Floats,
    y: whole![1],
    xs: args.map((a) => a[0] as Floats),
    ys: args.map((a) => a[1]),
    args,
    whole,
  };
}

/** Where a case's files live (x, y; for 'more' cases also one file per argument, x and y being the first two). */
export function filesOf(dir: string, c: Case): { x: string; y: string; args: string[] } {
  const n = c.loss === 'more' ? moreSpec(c.more!).args.length : 0;
  return {
    x: `${dir}/${c.id}.a0.bin`,
    y: `${dir}/${c.id}.a1.bin`,
    args: Array.from({ length: n }, (_, k) => `${dir}/${c.id}.a${k}.bin`),
  };
}

const bytesOf = (a: Floats | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes a case's data to `dir` (little-endian, as the typed arrays hold it). */
export function writeCase(dir: string, c: Case, d: CaseData): void {
  mkdirSync(dir, { recursive: true });
  const f = filesOf(dir, c);
  if (d.whole) {
    for (const [k, a] of d.whole.entries()) writeFileSync(f.args[k], bytesOf(a));
    return;
  }
  writeFileSync(f.x, bytesOf(d.x));
  writeFileSync(f.y, bytesOf(d.y));
}

/** Reads back what `writeCase` wrote. */
export function readCase(dir: string, c: Case): CaseData {
  const f = filesOf(dir, c);
  const bytes = (p: string): ArrayBuffer => {
    const b = readFileSync(p);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  const Arr = c.dtype === 'float32' ? Float32Array : Float64Array;
  if (c.loss === 'more') {
    const spec = moreSpec(c.more!);
    return splitMore(
      c,
      spec.args.map((a, k) => (isIntArg(a) ? new Int32Array(bytes(f.args[k])) : new Arr(bytes(f.args[k])))),
    );
  }
  const x = new Arr(bytes(f.x));
  const y = isCe(c) ? new Int32Array(bytes(f.y)) : new Arr(bytes(f.y));
  return split(c, x, y);
}
