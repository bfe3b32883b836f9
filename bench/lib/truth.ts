// The float64 truth every implementation's accuracy is measured against: each term computed in float64 from the
// stored (float32 or float64) inputs, summed with Neumaier's compensated summation, so the truth's own error is
// a few float64 ulps, far below any float32 result's.
// Issue 10's losses (bench/lib/more.ts): their plain float64 loop, a plain float64 sum; at the bench's sizes (≤ 10^5
// terms) its error is ~1e-12 relative, still far below any float32 result's.
import type { Case } from './cases.js';
import { isCe } from './cases.js';
import type { CaseData, Floats } from './data.js';
import { moreSpec } from './more.js';

/** A compensated (Neumaier) float64 sum. */
class Sum {
  private s = 0;
  private c = 0;
  add(v: number): void {
    const t = this.s + v;
    this.c += Math.abs(this.s) >= Math.abs(v) ? this.s - t + v : v - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/** The float64 value of a case's loss on input set 0 ('mean' reduction; for 'ceBackward', the forward value). */
export function truthOfCase(c: Case, d: CaseData): number {
  if (c.loss === 'more') return moreSpec(c.more!).plain(d.args![0], c.rows ?? c.elements, c.classes ?? 1);
  return truthOf(c, d.xs[0], d.ys[0]);
}

/** The float64 value of a case's loss ('mean' reduction) on one input set (issue 3's losses and CrossEntropy). */
export function truthOf(c: Case, x: Floats, y: Floats | Int32Array): number {
  const s = new Sum();
  if (isCe(c)) {
    const C = c.classes!;
    for (let r = 0; r < c.rows!; r++) {
      const o = r * C;
      let max = -Infinity;
      for (let k = 0; k < C; k++) max = Math.max(max, x[o + k]);
      const e = new Sum();
      for (let k = 0; k < C; k++) e.add(Math.exp(x[o + k] - max));
      s.add(max + Math.log(e.value) - x[o + (y as Int32Array)[r]]);
    }
    return s.value / c.rows!;
  }
  const n = c.elements;
  for (let i = 0; i < n; i++) {
    const a = x[i];
    const b = y[i] as number;
    const d = a - b;
    if (c.loss === 'mse') s.add(d * d);
    else if (c.loss === 'l1') s.add(Math.abs(d));
    else if (c.loss === 'smoothL1') s.add(Math.abs(d) < 1 ? 0.5 * d * d : Math.abs(d) - 0.5);
    else s.add(-(b * Math.max(Math.log(a), -100) + (1 - b) * Math.max(Math.log1p(-a), -100)));
  }
  return s.value / n;
}

/** |got − truth| / |truth|. */
export function relError(got: number, truth: number): number {
  return Math.abs(got - truth) / Math.abs(truth);
}
