// The benchmark's cases (issue 3): every loss at N = 10^3 … 10^7 elements in float32 with reduction 'mean', one
// float64 case per loss, CrossEntropy at C = 10, 1000 and 32000 classes (from one whole row up).

/** The losses the suite measures. */
export type LossName = 'mse' | 'l1' | 'smoothL1' | 'bce' | 'ce';
export type FloatDType = 'float32' | 'float64';

/** One measured configuration: every implementation runs it on the same input sets in the same schedule. */
export interface Case {
  /** Unique, file-name safe: `mse-f32-1e5`, `ce1000-f32-1e6`. */
  id: string;
  loss: LossName;
  /** Series label in tables and the chart: `MSE`, `CE C=1000`. */
  series: string;
  dtype: FloatDType;
  /** Nominal N (a power of ten). */
  n: number;
  /** Elements actually processed per call (rows × classes for CrossEntropy). */
  elements: number;
  /** CrossEntropy only: rows and classes. */
  rows?: number;
  classes?: number;
  /** Rotating input sets: call k uses set k mod sets, so branch predictors and caches see fresh data. */
  sets: number;
  /** Calls per timed sample, so a sample lasts far longer than the timer's resolution. */
  batch: number;
}

/** Printable series name of a loss. */
export function seriesOf(loss: LossName, classes?: number): string {
  const names: Record<LossName, string> = { mse: 'MSE', l1: 'L1', smoothL1: 'SmoothL1', bce: 'BCE', ce: 'CE' };
  return loss === 'ce' ? `CE C=${classes}` : names[loss];
}

/** Every series of the suite, in table order. */
export const SERIES: ReadonlyArray<{ loss: LossName; classes?: number }> = [
  { loss: 'mse' },
  { loss: 'l1' },
  { loss: 'smoothL1' },
  { loss: 'bce' },
  { loss: 'ce', classes: 10 },
  { loss: 'ce', classes: 1000 },
  { loss: 'ce', classes: 32000 },
];

/** Elements a timed sample should cover (≥ ~20 µs of work even at 0.1 ns/element). */
const SAMPLE_ELEMENTS = 200_000;

/** Builds one case; `null` when N is smaller than one CrossEntropy row. */
export function makeCase(loss: LossName, dtype: FloatDType, n: number, classes?: number): Case | null {
  let elements = n;
  let rows: number | undefined;
  if (loss === 'ce') {
    if (n < classes!) return null;
    rows = Math.round(n / classes!);
    elements = rows * classes!;
  }
  const exp = Math.round(Math.log10(n));
  const tag = `${loss === 'ce' ? `ce${classes}` : loss.toLowerCase()}-${dtype === 'float32' ? 'f32' : 'f64'}-1e${exp}`;
  // Several sets where they fit in cache (the branch-predictor and cache effects the issue warns about); two at
  // the largest sizes, where a single set already far exceeds every cache and memory is the concern.
  const sets = elements <= 1e5 ? 8 : elements <= 1e6 ? 4 : 2;
  const batch = Math.max(1, Math.round(SAMPLE_ELEMENTS / elements));
  return { id: tag, loss, series: seriesOf(loss, classes), dtype, n, elements, rows, classes, sets, batch };
}

/** The full suite, or the `--quick` one (N = 10^3, 10^5, 10^7 in float32 only, and the float64 cases). */
export function allCases(quick: boolean): Case[] {
  const ns = quick ? [1e3, 1e5, 1e7] : [1e3, 1e4, 1e5, 1e6, 1e7];
  const out: Case[] = [];
  for (const s of SERIES) {
    for (const n of ns) {
      const c = makeCase(s.loss, 'float32', n, s.classes);
      if (c) out.push(c);
    }
  }
  // One float64 case per loss (CrossEntropy at C = 1000), at N = 10^5.
  for (const s of SERIES) {
    if (s.loss === 'ce' && s.classes !== 1000) continue;
    out.push(makeCase(s.loss, 'float64', 1e5, s.classes)!);
  }
  return out;
}
