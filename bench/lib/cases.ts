// The benchmark's cases: issue 3's losses at N = 10^3 … 10^7 elements in float32 with reduction 'mean', one
// float64 case per loss, CrossEntropy at C = 10, 1000, 32000 and 128000 classes (from one whole row up; issue 9);
// CrossEntropy forward + backward at C = 1000 and 32000 (issue 9); and issue 10's fifteen losses at 10^3 and 10^5
// (bench/lib/more.ts).
import { MORE, moreSpec } from './more.js';

/**
 * The losses the suite measures: issue 3's five, 'ceBackward' (CrossEntropy's value and gradient in one call), and
 * 'more' (one of issue 10's losses; `Case.more` names its entry in bench/lib/more.ts).
 */
export type LossName = 'mse' | 'l1' | 'smoothL1' | 'bce' | 'ce' | 'ceBackward' | 'more';
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
  /** 'more' cases: the key of the loss's entry in bench/lib/more.ts. */
  more?: string;
  /**
   * Rotating input sets: call k uses set k mod sets, so branch predictors and caches see fresh data (10^5
   * elements in all below 10^4 elements per set; 8 sets up to 10^5, 4 to 10^6, 2 above).
   */
  sets: number;
  /** Calls per timed sample, so a sample lasts far longer than the timer's resolution. */
  batch: number;
}

/** True for the cases whose input is [rows, classes] logits with class-index targets. */
export const isCe = (c: { loss: LossName }): boolean => c.loss === 'ce' || c.loss === 'ceBackward';

/** Printable series name of a loss. */
export function seriesOf(loss: LossName, classes?: number, more?: string): string {
  if (loss === 'more') return moreSpec(more!).series;
  if (loss === 'ceBackward') return `CE backward C=${classes}`;
  const names: Record<string, string> = { mse: 'MSE', l1: 'L1', smoothL1: 'SmoothL1', bce: 'BCE', ce: 'CE' };
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
  { loss: 'ce', classes: 128000 },
];

/** The forward + backward series (issue 9): CrossEntropy's value and gradient, N = 10^5 … 10^7. */
export const BACKWARD_SERIES: ReadonlyArray<{ loss: LossName; classes: number }> = [
  { loss: 'ceBackward', classes: 1000 },
  { loss: 'ceBackward', classes: 32000 },
];

/** Every series in table order (issue 3's, the backward ones, then issue 10's). */
export const ALL_SERIES: readonly string[] = [
  ...SERIES.map((s) => seriesOf(s.loss, s.classes)),
  ...BACKWARD_SERIES.map((s) => seriesOf(s.loss, s.classes)),
  ...MORE.map((m) => m.series),
];

/** Elements a timed sample should cover (≥ ~20 µs of work even at 0.1 ns/element). */
const SAMPLE_ELEMENTS = 200_000;

/**
 * Builds one case; `null` when N is smaller than one CrossEntropy row. `classes` is CrossEntropy's C; `more` the
 * key of an issue-10 loss (then N is rounded to whole rows of its width).
 */
export function makeCase(loss: LossName, dtype: FloatDType, n: number, classes?: number, more?: string): Case | null {
  let elements = n;
  let rows: number | undefined;
  if (loss === 'ce' || loss === 'ceBackward') {
    if (n < classes!) return null;
    rows = Math.round(n / classes!);
    elements = rows * classes!;
  }
  const width = loss === 'more' ? moreSpec(more!).width : undefined;
  if (width) {
    rows = Math.round(n / width);
    elements = rows * width;
  }
  const exp = Math.round(Math.log10(n));
  const name =
    loss === 'ce' ? `ce${classes}` : loss === 'ceBackward' ? `ce${classes}bwd` : loss === 'more' ? more! : loss;
  const tag = `${name.toLowerCase()}-${dtype === 'float32' ? 'f32' : 'f64'}-1e${exp}`;
  // Several sets where they fit in cache (the branch-predictor and cache effects the issue warns about); two at
  // the largest sizes, where a single set already far exceeds every cache and memory is the concern.
  // Below 10^4 elements per set, enough sets for 10^5 elements in all: with 8 sets of 10^3, a branchy loop (plain
  // SmoothL1, Huber, MarginRanking) ran at ~1 ns/element because the branch predictor learned all 8000 outcomes, and
  // at ~8 ns/element from 10^5 up, where it cannot; fresh data every call is what a training loop sees.
  const sets = elements < 1e4 ? Math.ceil(1e5 / elements) : elements <= 1e5 ? 8 : elements <= 1e6 ? 4 : 2;
  const batch = Math.max(1, Math.round(SAMPLE_ELEMENTS / elements));
  const series = seriesOf(loss, classes, more);
  return { id: tag, loss, series, dtype, n, elements, rows, classes: width ?? classes, more, sets, batch };
}

/**
 * The full suite, or the `--quick` one (N = 10^3, 10^5, 10^7 in float32, the float64 cases, and every CE case at a
 * large vocabulary and every backward and issue-10 case, which --quick does not thin out).
 */
export function allCases(quick: boolean): Case[] {
  const ns = quick ? [1e3, 1e5, 1e7] : [1e3, 1e4, 1e5, 1e6, 1e7];
  const out: Case[] = [];
  for (const s of SERIES) {
    // The vocabularies of language models (issue 9): 10^6 and 10^7 even in --quick.
    const mine = s.classes && s.classes >= 32000 ? [...new Set([...ns.filter((n) => n >= 1e5), 1e6, 1e7])] : ns;
    for (const n of mine.sort((a, b) => a - b)) {
      const c = makeCase(s.loss, 'float32', n, s.classes);
      if (c) out.push(c);
    }
  }
  for (const s of BACKWARD_SERIES) {
    for (const n of s.classes >= 32000 ? [1e6, 1e7] : [1e5, 1e6, 1e7])
      out.push(makeCase(s.loss, 'float32', n, s.classes)!);
  }
  for (const m of MORE) for (const n of [1e3, 1e5]) out.push(makeCase('more', 'float32', n, undefined, m.key)!);
  // One float64 case per loss (CrossEntropy at C = 1000), at N = 10^5.
  for (const s of SERIES) {
    if (s.loss === 'ce' && s.classes !== 1000) continue;
    out.push(makeCase(s.loss, 'float64', 1e5, s.classes)!);
  }
  return out;
}
