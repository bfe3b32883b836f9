// Invariants of the torchvision losses (fast-check), independent of the fixtures: the GIoU, DIoU and CIoU losses of
// identical non-degenerate boxes are 0 up to eps (exactly 1 − U/(U + eps) with the 1e-7 CIoU's DIoU part keeps);
// CIoU ≥ DIoU for the same boxes (its aspect term α·v is non-negative); all three are symmetric in their
// arguments, bit for bit (each formula is); GIoU lies in [0, 2]; 'sum' is the sum of 'none'. The sigmoid focal loss
// with γ = 0 and no α weighting is BCEWithLogits (another kernel), and α = 0.5 halves it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F } from '../src/index.js';

const coord = fc.double({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 });
const side = fc.double({ noNaN: true, noDefaultInfinity: true, min: 1e-2, max: 50 });
const box = fc.tuple(coord, coord, side, side).map(([x, y, w, h]) => [x, y, x + w, y + h]);
const boxSets = fc
  .integer({ min: 1, max: 40 })
  .chain((n) => fc.tuple(fc.array(box, { minLength: n, maxLength: n }), fc.array(box, { minLength: n, maxLength: n })));

const f64 = (rows: number[][]) => ({ data: Float64Array.from(rows.flat()), shape: [rows.length, 4] });
const none = (t: unknown) => Array.from((t as { data: Float64Array }).data);

describe('box IoU loss invariants (float64)', () => {
  it('identical non-degenerate boxes: GIoU = DIoU = 1 − U/(U + eps), CIoU = 1 − U/(U + 1e-7)', () => {
    fc.assert(
      fc.property(fc.array(box, { minLength: 1, maxLength: 30 }), fc.constantFrom(0, 1e-7, 1e-3), (rows, eps) => {
        const b = f64(rows);
        const g = none(F.generalizedBoxIouLoss(b, b, { eps }));
        const d = none(F.distanceBoxIouLoss(b, b, { eps }));
        const c = none(F.completeBoxIouLoss(b, b, { eps }));
        rows.forEach(([x1, y1, x2, y2], i) => {
          const w = x2 - x1,
            h = y2 - y1;
          const u = w * h + w * h - w * h;
          expect(g[i]).toBe(1 - u / (u + eps));
          expect(d[i]).toBe(1 - u / (u + eps));
          expect(c[i]).toBe(1 - u / (u + 1e-7));
          expect(g[i]).toBeLessThanOrEqual(eps / u + 1e-15);
        });
      }),
    );
  });

  it('CIoU ≥ DIoU, box by box (the aspect term is non-negative)', () => {
    fc.assert(
      fc.property(boxSets, ([r1, r2]) => {
        const d = none(F.distanceBoxIouLoss(f64(r1), f64(r2)));
        const c = none(F.completeBoxIouLoss(f64(r1), f64(r2)));
        for (let i = 0; i < d.length; i++) expect(c[i]).toBeGreaterThanOrEqual(d[i]);
      }),
    );
  });

  it('each loss is symmetric in boxes1 and boxes2, bit for bit; GIoU in [0, 2]; sum is the sum of none', () => {
    fc.assert(
      fc.property(boxSets, ([r1, r2]) => {
        for (const fn of [F.generalizedBoxIouLoss, F.distanceBoxIouLoss, F.completeBoxIouLoss]) {
          const ab = none(fn(f64(r1), f64(r2))),
            ba = none(fn(f64(r2), f64(r1)));
          expect(ab).toEqual(ba);
          const total = ab.reduce((s, v) => s + v, 0);
          expect(Math.abs(fn(f64(r1), f64(r2), { reduction: 'sum' }) - total)).toBeLessThanOrEqual(
            1e-13 * ab.length * 2,
          );
        }
        for (const v of none(F.generalizedBoxIouLoss(f64(r1), f64(r2)))) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(2);
        }
      }),
    );
  });
});

describe('sigmoid focal loss invariants (float64)', () => {
  const logits = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -30, max: 30 }), {
    minLength: 1,
    maxLength: 60,
  });
  it('γ = 0 without α weighting is BCEWithLogits; α = 0.5 halves it (within 4 ulp)', () => {
    fc.assert(
      fc.property(logits, fc.integer(), (xs, seed) => {
        const x = Float64Array.from(xs);
        const t = Float64Array.from(xs, (_, i) => ((seed >> (i % 31)) & 1) as number);
        const focal = none(F.sigmoidFocalLoss(x, t, { gamma: 0, alpha: -1 }));
        const bce = none(F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }));
        const half = none(F.sigmoidFocalLoss(x, t, { gamma: 0, alpha: 0.5 }));
        for (let i = 0; i < x.length; i++) {
          expect(Math.abs(focal[i] - bce[i])).toBeLessThanOrEqual(4 * 2 ** -52 * Math.abs(bce[i]));
          expect(Math.abs(half[i] - 0.5 * bce[i])).toBeLessThanOrEqual(4 * 2 ** -52 * Math.abs(bce[i]));
        }
      }),
    );
  });
});
