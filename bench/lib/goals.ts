// Issue 3's goals, evaluated on one run's rows: every goal is a set of ratios measured side by side.
import type { ImplName, Row } from './results.js';

export interface GoalCheck {
  case: string;
  /** What was compared, e.g. 'PyTorch 1T / simdloss'. */
  what: string;
  ratio: number;
  target: string;
  met: boolean;
}

export interface Goal {
  goal: string;
  checks: GoalCheck[];
  /** Cases the goal names but the run could not compare (an implementation missing or skipped). */
  missing: string[];
}

const E2E_UP_TO = 1e5;

/** Evaluates every goal on the float32 rows (and the accuracy goal on all rows). */
export function evaluateGoals(rows: readonly Row[]): Goal[] {
  const ns = (caseId: string, impl: ImplName): number | undefined =>
    rows.find((r) => r.case === caseId && r.impl === impl && r.status === 'ok')?.nsPerElement;
  const f32 = [...new Set(rows.filter((r) => r.dtype === 'float32').map((r) => r.case))];
  const info = (id: string): Row => rows.find((r) => r.case === id)!;

  /** competitor / simdloss ≥ target (simdloss faster by `target`×), or simdloss / floor ≤ target. */
  const faster = (
    goal: string,
    ids: string[],
    competitor: ImplName,
    mode: (id: string) => ImplName,
    target: number,
  ): Goal => {
    const g: Goal = { goal, checks: [], missing: [] };
    for (const id of ids) {
      const ours = ns(id, mode(id));
      const theirs = ns(id, competitor);
      if (ours === undefined || theirs === undefined) {
        g.missing.push(`${id} (${ours === undefined ? mode(id) : competitor})`);
        continue;
      }
      const ratio = theirs / ours;
      g.checks.push({
        case: id,
        what: `${competitor} / ${mode(id)}`,
        ratio,
        target: `≥ ${target}×`,
        met: ratio >= target,
      });
    }
    return g;
  };
  const within = (goal: string, ids: string[], mode: ImplName, floor: ImplName, target: number): Goal => {
    const g: Goal = { goal, checks: [], missing: [] };
    for (const id of ids) {
      const ours = ns(id, mode);
      const base = ns(id, floor);
      if (ours === undefined || base === undefined) {
        g.missing.push(`${id} (${ours === undefined ? mode : floor})`);
        continue;
      }
      const ratio = ours / base;
      g.checks.push({ case: id, what: `${mode} / ${floor}`, ratio, target: `≤ ${target}×`, met: ratio <= target });
    }
    return g;
  };
  const sel = (p: (r: Row) => boolean): string[] => f32.filter((id) => p(info(id)));
  const e2eOrResident = (id: string): ImplName => (info(id).n <= E2E_UP_TO ? 'simdloss' : 'simdloss resident');
  const e2e = (): ImplName => 'simdloss';

  const goals: Goal[] = [
    faster(
      'Faster than PyTorch CPU (1 thread) for every loss at every N (end-to-end to 10^5, resident above)',
      f32,
      'PyTorch 1T',
      e2eOrResident,
      1,
    ),
    faster(
      'At least 2× faster than PyTorch 1 thread for BCE and CrossEntropy at 10^5 (end-to-end)',
      sel((r) => (r.loss === 'bce' || r.loss === 'ce') && r.n === 1e5),
      'PyTorch 1T',
      e2e,
      2,
    ),
    faster(
      'At least 2× faster than plain TypeScript end-to-end at N = 10^3',
      sel((r) => r.n === 1e3),
      'plain TS',
      e2e,
      2,
    ),
    faster(
      'At least 4× faster than plain TypeScript for MSE and L1 from 10^4 to 10^6 (end-to-end)',
      sel((r) => (r.loss === 'mse' || r.loss === 'l1') && r.n >= 1e4 && r.n <= 1e6),
      'plain TS',
      e2e,
      4,
    ),
    faster(
      'At least 10× faster than plain TypeScript for SmoothL1, BCE and CrossEntropy from 10^4 up (end-to-end)',
      sel((r) => (r.loss === 'smoothL1' || r.loss === 'bce' || r.loss === 'ce') && r.n >= 1e4),
      'plain TS',
      e2e,
      10,
    ),
    faster(
      'At least 10× faster than tfjs-wasm at N = 10^3 (end-to-end)',
      sel((r) => r.n === 1e3),
      'tfjs-wasm',
      e2e,
      10,
    ),
    faster(
      'At least 3× faster than tfjs-wasm at N = 10^5 (end-to-end)',
      sel((r) => r.n === 1e5),
      'tfjs-wasm',
      e2e,
      3,
    ),
    within(
      'Resident MSE at 10^7 within 1.3× of the C read floor',
      sel((r) => r.loss === 'mse' && r.n === 1e7),
      'simdloss resident',
      'C read floor',
      1.3,
    ),
    within(
      'End-to-end MSE at 10^7 (copy-in included) within 1.6× of the C read floor',
      sel((r) => r.loss === 'mse' && r.n === 1e7),
      'simdloss',
      'C read floor',
      1.6,
    ),
  ];

  // Accuracy: simdloss's error against the float64 truth never above PyTorch's (a float32 result rounded once
  // from float64 is the nearest float32 to the truth, so ties are allowed a float64 rounding's slack).
  const acc: Goal = {
    goal: "Accuracy: simdloss's relative error never above PyTorch's, at every case",
    checks: [],
    missing: [],
  };
  for (const id of [...new Set(rows.map((r) => r.case))]) {
    const ours = rows.find((r) => r.case === id && r.impl === 'simdloss' && r.relError !== undefined)?.relError;
    const theirs = rows.find((r) => r.case === id && r.impl === 'PyTorch 1T' && r.relError !== undefined)?.relError;
    if (ours === undefined || theirs === undefined) {
      acc.missing.push(id);
      continue;
    }
    acc.checks.push({
      case: id,
      what: 'relative error simdloss vs PyTorch',
      ratio: theirs === 0 ? (ours === 0 ? 1 : Infinity) : ours / theirs,
      target: `${ours.toExponential(1)} ≤ ${theirs.toExponential(1)}`,
      met: ours <= theirs + 1e-15,
    });
  }
  goals.push(acc);
  return goals;
}
