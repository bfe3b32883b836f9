// The suite's output: one row per (case, implementation), plus the run's metadata.
import type { Case, FloatDType, LossName } from './cases.js';

/** Every implementation the suite can report, in table order. */
export const IMPLS = [
  'simdloss',
  'simdloss resident',
  'simdloss kernel',
  'simdloss scalar',
  'simdloss scalar kernel',
  'plain TS',
  'tfjs-cpu',
  'tfjs-wasm',
  'PyTorch 1T',
  'PyTorch 2T',
  'C AVX2 MSE',
  'C read floor',
  'C kernel SSE4.1',
  'C kernel native',
  'f32-term kernel (experiment)', // kept so older results files still render; no longer run
] as const;
export type ImplName = (typeof IMPLS)[number];

/**
 * The implementations bench/run.ts runs on a case (test/bench-check.test.ts runs the same list on tiny inputs):
 * issue 10's losses against plain TypeScript and PyTorch 1 thread; the backward cases against torch.autograd (1
 * thread), simdloss end to end and resident; issue 3's cases against everything, with the C MSE reference and read
 * floor on float32 MSE and the C kernel references (scripts/bench-c-kernels.c) on float32 BCE and CrossEntropy.
 */
export function competitorsOf(c: Case): ImplName[] {
  if (c.loss === 'more') return ['simdloss', 'plain TS', 'PyTorch 1T'];
  if (c.loss === 'ceBackward') return ['simdloss', 'simdloss resident', 'PyTorch 1T'];
  const f32 = c.dtype === 'float32';
  return IMPLS.filter((i) => {
    // Retired: float32 terms are the design now (DESIGN.md §2, issue 9), and its ABI predates the core (issue 7).
    if (i === 'f32-term kernel (experiment)') return false;
    if (i === 'C AVX2 MSE' || i === 'C read floor') return f32 && c.loss === 'mse';
    if (i === 'C kernel SSE4.1' || i === 'C kernel native') return f32 && (c.loss === 'bce' || c.loss === 'ce');
    if (i.startsWith('tfjs')) return f32;
    return true;
  });
}

export interface Row {
  case: string;
  series: string;
  loss: LossName;
  dtype: FloatDType;
  n: number;
  elements: number;
  impl: ImplName;
  /** 'ok': checked and timed; 'skipped': does not apply or is unavailable; 'mismatch': failed its check (not
   * timed); 'error': threw. */
  status: 'ok' | 'skipped' | 'mismatch' | 'error';
  value?: number;
  /** |value − float64 truth| / |truth|. */
  relError?: number;
  /** Backward cases: Σ grad·x (float64) of the first set's gradient. */
  gradDot?: number;
  nsPerElement?: number;
  samples?: number;
  rme?: number;
  note?: string;
}

export interface RunInfo {
  date: string;
  command: string;
  quick: boolean;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; isa?: string };
  node: string;
  v8: string;
  torch: string | null;
  gcc: string | null;
  /** The commit measured (`git rev-parse --short HEAD`, '+dirty' with uncommitted changes), when known. */
  commit?: string;
  schedule: { timeMs: number; minSamples: number };
  notes: string[];
  truth: Record<string, number>;
}

export interface Results {
  info: RunInfo;
  rows: Row[];
}
