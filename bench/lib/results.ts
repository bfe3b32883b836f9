// The suite's output: one row per (case, implementation), plus the run's metadata.
import type { FloatDType, LossName } from './cases.js';

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
  'f32-term kernel (experiment)',
] as const;
export type ImplName = (typeof IMPLS)[number];

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
  nsPerElement?: number;
  samples?: number;
  rme?: number;
  note?: string;
}

export interface RunInfo {
  date: string;
  command: string;
  quick: boolean;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string };
  node: string;
  v8: string;
  torch: string | null;
  gcc: string | null;
  schedule: { timeMs: number; minSamples: number };
  notes: string[];
  truth: Record<string, number>;
}

export interface Results {
  info: RunInfo;
  rows: Row[];
}
