// The inputs of a case: `sets` rotating input sets, deterministic (seeded by the case id), written once to
// binary files so the other processes (plain loops, PyTorch, C) read exactly the same bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Case } from './cases.js';

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
  const yLen = c.loss === 'ce' ? c.rows! : c.elements;
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
  const total = c.elements * c.sets;
  const x = new Arr(total);
  let y: Floats | Int32Array;
  if (c.loss === 'ce') {
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

/** Where a case's files live. */
export function filesOf(dir: string, c: Case): { x: string; y: string } {
  return { x: `${dir}/${c.id}.x.bin`, y: `${dir}/${c.id}.y.bin` };
}

/** Writes a case's data to `dir` (little-endian, as the typed arrays hold it). */
export function writeCase(dir: string, c: Case, d: CaseData): void {
  mkdirSync(dir, { recursive: true });
  const f = filesOf(dir, c);
  writeFileSync(f.x, new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength));
  writeFileSync(f.y, new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength));
}

/** Reads back what `writeCase` wrote. */
export function readCase(dir: string, c: Case): CaseData {
  const f = filesOf(dir, c);
  const bytes = (p: string): ArrayBuffer => {
    const b = readFileSync(p);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  };
  const Arr = c.dtype === 'float32' ? Float32Array : Float64Array;
  const x = new Arr(bytes(f.x));
  const y = c.loss === 'ce' ? new Int32Array(bytes(f.y)) : new Arr(bytes(f.y));
  return split(c, x, y);
}
