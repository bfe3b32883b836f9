// The plain TypeScript loops of bench/plain.ts as an implementation. The suite times them in a fresh process per
// case (bench/plain-worker.ts): V8's JIT history changes the same loop's speed severalfold, and a loop that has
// seen only one array type and one loss is what a user's program would run.
import { plainBce, plainCrossEntropy, plainL1, plainMse, plainSmoothL1 } from '../plain.js';
import type { Case } from './cases.js';
import type { CaseData, Floats } from './data.js';
import type { Impl, Prepared } from './impl.js';
import { moreSpec } from './more.js';

/** The plain loop for a case's loss, on input set s (issue 10's: the loop of its bench/lib/more.ts entry). */
export function plainCall(c: Case, d: CaseData): (s: number) => number {
  const xs = d.xs;
  const ys = d.ys as Floats[];
  switch (c.loss) {
    case 'more': {
      const plain = moreSpec(c.more!).plain;
      const rows = c.rows ?? c.elements;
      const width = c.classes ?? 1;
      return (s) => plain(d.args![s], rows, width);
    }
    case 'ceBackward':
      throw new Error('bench: no plain-TypeScript backward (the backward cases compare with torch.autograd)');
    case 'mse':
      return (s) => plainMse(xs[s], ys[s]);
    case 'l1':
      return (s) => plainL1(xs[s], ys[s]);
    case 'smoothL1':
      return (s) => plainSmoothL1(xs[s], ys[s], 1);
    case 'bce':
      return (s) => plainBce(xs[s], ys[s]);
    case 'ce': {
      const classes = c.classes!;
      return (s) => plainCrossEntropy(xs[s], d.ys[s] as Int32Array, classes);
    }
  }
}

/** The plain loops, run in this process (used by the check test; the suite uses the fresh-process worker). */
export const plainInProcess: Impl = {
  name: 'plain TS',
  prepare: (c: Case, d: CaseData): Prepared => ({ call: plainCall(c, d) }),
};
