// Float64 finite-difference checks of every registered loss's gradients, independent of PyTorch: for float64
// fixture cases, each element of each differentiable argument is moved by ±h and the central difference of the
// loss (Σ gradOutput·loss for reduction 'none') is compared with the gradient from `nn.<Class>.backward`. Points
// where the loss is not differentiable (L1 at 0, SmoothL1 at ±β, BCE's clamps, …) are recognised by their one-sided
// differences disagreeing, and skipped. Also: where PyTorch refuses a gradient (MSE's mixed float32/float64
// backward), simdloss's is the all-float64 gradient rounded to the argument's dtype.
// Arguments a declaration marks `gradThrough: 'logSoftmax'` (CTCLoss's log_probs: PyTorch's gradient is taken with
// respect to the logits of a log_softmax) are checked the same way through that map: the case's values are the
// logits z, the loss runs on log_softmax(z) over the last dimension, and z's elements are the ones moved.
// CompleteBoxIoULoss's α is outside autograd (torchvision's no_grad): its gradient is checked against the
// difference of DIoU + α₀·v with α₀ frozen at the point (`frozenCiou`).
import { describe, expect, it } from 'vitest';
import { F, nn, Tensor, tensor } from '../src/index.js';
import type { Gradient } from '../src/index.js';
import { registry } from '../src/core/loss.js';
import { decodeArg, decodeGradOutput, decodeOptions, lossFixtures } from './helpers/fixtures.js';
import type { LossCase, NumberExpected } from './helpers/fixtures.js';

type AnyModule = { forward: (...a: unknown[]) => unknown; backward: (g?: unknown) => (Gradient | null)[] };
type AnyClass = new (options?: unknown) => AnyModule;

const cases = [...lossFixtures().values()].flatMap((f) => f.cases);

/** The case's arguments as float64 Tensors (a copy, so elements can be moved), or null if not all float64. */
function float64Args(c: LossCase): Tensor[] | null {
  const args = c.args.map(decodeArg);
  if (!args.every((a) => a instanceof Tensor)) return null;
  const ts = args as Tensor[];
  if (!ts.some((t) => t.dtype === 'float64') || ts.some((t) => t.dtype === 'float32')) return null;
  return ts.map((t) => tensor(t.data.slice() as Float64Array, { shape: t.shape, dtype: t.dtype }));
}

/** The scalar whose gradient backward computes: the loss, or Σ gradOutput·loss for a non-0-d output. */
function objective(value: unknown, g: number | Tensor | undefined): number {
  if (typeof value === 'number') return value * (typeof g === 'number' ? g : 1);
  const out = value as Tensor;
  if (out.shape.length === 0) return Number(out.data[0]) * (typeof g === 'number' ? g : 1);
  let s = 0;
  const gd = (g as Tensor).data;
  for (let i = 0; i < out.data.length; i++) s += Number(out.data[i]) * Number(gd[i]);
  return s;
}

/**
 * Elements where PyTorch's gradient is, by design, not the derivative of its forward: BCE clamps its logs at −100
 * in the forward but not in the target's gradient log(1 − x) − log x; GaussianNLL clamps var at eps without
 * differentiating the clamp (within one step h of eps counts: the difference would straddle it).
 */
function quirk(c: LossCase, arg: number, args: readonly Tensor[], i: number): boolean {
  // GaussianNLL clamps var at eps outside autograd: at a clamped element the forward is flat in var, the gradient
  // the formula's at eps.
  if (c.fn === 'gaussianNllLoss' && arg === 2) {
    const eps = typeof c.options?.eps === 'number' ? c.options.eps : 1e-6;
    const v = Number(args[2].data[i]);
    return v <= eps + 1e-6 * Math.max(1, Math.abs(v));
  }
  // Box losses: a coordinate that ties with one of the other box's (x1 = X1, a touching edge x1 = X2, …) sits on a
  // kink of maximum/minimum or of the intersection's mask; autograd takes one side (or splits ties 50/50), the
  // central difference averages both, and in a case with large gradients elsewhere the one-sided test below can
  // miss a kink that small.
  if (BOX_LOSSES.has(c.fn)) return boxTie(args, arg, i);
  if (c.fn !== 'binaryCrossEntropy' || arg !== 1) return false;
  const x = Number(args[0].data[i]);
  return Math.log(x) < -100 || Math.log(1 - x) < -100;
}

const BOX_LOSSES = new Set(['generalizedBoxIouLoss', 'distanceBoxIouLoss', 'completeBoxIouLoss']);

/** The first coordinate of box `i`'s partner in boxes2 (boxes2 holds one box per box of boxes1, or a single box). */
function partner(b1: Tensor, b2: Tensor, i: number): number | null {
  const n1 = b1.numel() / 4,
    n2 = b2.numel() / 4;
  return n2 === n1 ? 4 * i : n2 === 1 ? 0 : null;
}

/** Element `i` of argument `arg` (0: boxes1, 1: boxes2) ties with a coordinate of the same axis of the other box. */
function boxTie(args: readonly Tensor[], arg: number, i: number): boolean {
  const [b1, b2] = args;
  const x1 = b1.data as Float64Array,
    x2 = b2.data as Float64Array;
  const pairs: [number, number][] = [];
  if (arg === 0) {
    const j = partner(b1, b2, Math.floor(i / 4));
    if (j === null) return true;
    pairs.push([4 * Math.floor(i / 4), j]);
  } else {
    for (let k = 0; k < b1.numel() / 4; k++) {
      const j = partner(b1, b2, k);
      if (j === null) return true;
      if (j === 4 * Math.floor(i / 4)) pairs.push([4 * k, j]);
    }
  }
  const axis = i % 2;
  for (const [a, b] of pairs) {
    const mine = arg === 0 ? [x1[a + axis], x1[a + axis + 2]] : [x2[b + axis], x2[b + axis + 2]];
    const other = arg === 0 ? [x2[b + axis], x2[b + axis + 2]] : [x1[a + axis], x1[a + axis + 2]];
    const v = mine[i % 4 < 2 ? 0 : 1];
    if (other.includes(v) || mine[0] === mine[1]) return true;
  }
  return false;
}

/**
 * CIoU's α is outside autograd (torchvision computes it under no_grad), so its gradient is the derivative of
 * DIoU(e₀ = 1e-7) + α₀·v with α₀ held at its value at the point, v = (4/π²)·(atan(W/H) − atan(w/h))² (the
 * definition), α₀ = (CIoU − DIoU)/v there. The objective of that, Σ weight·(DIoU + α₀·v) for the case's
 * reduction and upstream; null when boxes2 broadcasts other than as one box per box or a single box.
 */
function frozenCiou(c: LossCase, args: readonly Tensor[], g: number | Tensor | undefined): (() => number) | null {
  const [b1, b2] = args;
  const n = b1.numel() / 4;
  if (n > 0 && partner(b1, b2, 0) === null) return null;
  const options = decodeOptions(c.options) as { reduction?: string; eps?: number } | undefined;
  const reduction = options?.reduction ?? 'none';
  const eps = options?.eps ?? 1e-7;
  const aspect = (i: number): number => {
    const p = b1.data as Float64Array,
      q = b2.data as Float64Array,
      a = 4 * i,
      b = partner(b1, b2, i) as number;
    const d =
      Math.atan((q[b + 2] - q[b]) / (q[b + 3] - q[b + 1])) - Math.atan((p[a + 2] - p[a]) / (p[a + 3] - p[a + 1]));
    return (4 / Math.PI ** 2) * (d * d);
  };
  const perBox = (fn: typeof F.completeBoxIouLoss, e: number): Float64Array =>
    (fn(b1, b2, { reduction: 'none', eps: e }) as Tensor).data as Float64Array;
  const ciou0 = perBox(F.completeBoxIouLoss, eps),
    diou0 = perBox(F.distanceBoxIouLoss, 1e-7);
  const alpha0 = Array.from({ length: n }, (_, i) => {
    const v = aspect(i);
    return v > 0 ? (ciou0[i] - diou0[i]) / v : 0;
  });
  const weight = (i: number): number => {
    if (g instanceof Tensor && g.shape.length > 0) return Number(g.data[i]);
    const s = typeof g === 'number' ? g : 1;
    return reduction === 'mean' ? s / n : s;
  };
  return () => {
    const d = perBox(F.distanceBoxIouLoss, 1e-7);
    let s = 0;
    for (let i = 0; i < n; i++) s += weight(i) * (d[i] + alpha0[i] * aspect(i));
    return s;
  };
}

/** log_softmax over the last dimension of `shape` (float64, from the definition). */
function logSoftmax(z: Float64Array, shape: readonly number[]): Float64Array {
  const C = shape.length > 0 ? shape[shape.length - 1] : 1;
  const out = new Float64Array(z.length);
  for (let r = 0; r + C <= z.length && C > 0; r += C) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[r + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(z[r + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) out[r + c] = z[r + c] - lse;
  }
  return out;
}

interface Check {
  checked: number;
  skipped: number;
  problems: string[];
}

function checkCase(c: LossCase, Cls: AnyClass, through: Readonly<Record<number, 'logSoftmax'>>): Check {
  const r: Check = { checked: 0, skipped: 0, problems: [] };
  const args = float64Args(c);
  if (!args) return r;
  const options = decodeOptions(c.options);
  const g = decodeGradOutput(c.gradOutput);
  // The loss's arguments: log_softmax(z) for those taken through it (the case's values are then z, the variables).
  const argsOf = (): Tensor[] =>
    args.map((t, k) =>
      through[k] === 'logSoftmax'
        ? tensor(logSoftmax(t.data as Float64Array, t.shape), { shape: t.shape, dtype: 'float64' })
        : t,
    );
  const m = new Cls(options);
  const frozen = c.fn === 'completeBoxIouLoss' ? frozenCiou(c, args, g) : undefined;
  if (frozen === null) return r;
  const loss = frozen ?? ((): number => objective(new Cls(options).forward(...argsOf()), g));
  m.forward(...argsOf());
  const grads = g === undefined ? m.backward() : m.backward(g);
  args.forEach((t, k) => {
    const grad = grads[k];
    if (!grad || t.dtype !== 'float64') return;
    const x = t.data as Float64Array;
    const gd = grad.data as Float64Array;
    let scale = 0;
    for (const v of gd) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      if (!Number.isFinite(x0) || !Number.isFinite(gd[i])) {
        r.skipped++;
        continue;
      }
      const h = 1e-6 * Math.max(1, Math.abs(x0));
      // Outside the loss's domain (BCE's input beyond [0, 1]) the forward throws: nothing to difference there.
      const at = (v: number): number => {
        x[i] = v;
        try {
          return loss();
        } catch {
          return NaN;
        } finally {
          x[i] = x0;
        }
      };
      const up = at(x0 + h),
        down = at(x0 - h),
        mid = at(x0);
      const right = (up - mid) / h,
        left = (mid - down) / h,
        central = (up - down) / (2 * h);
      // The difference's own error, estimated from the step halved (Richardson): large near a kink in a
      // derivative (SmoothL1 at |d| = β), tiny where the loss is smooth.
      const half = (at(x0 + h / 2) - at(x0 - h / 2)) / h;
      const err = Math.abs(central - half);
      const tol = 1e-5 * (Math.abs(central) + scale) + 1e-9;
      // A kink (or a clamp) between x − h and x + h: the one-sided slopes disagree. Not a point to check; nor
      // where PyTorch's gradient is deliberately not the forward's derivative (`quirk`).
      if (!Number.isFinite(central) || Math.abs(right - left) > 100 * tol || err > 10 * tol || quirk(c, k, args, i)) {
        r.skipped++;
        continue;
      }
      r.checked++;
      if (Math.abs(central - gd[i]) > tol + 2 * err) {
        r.problems.push(`arg ${k} [${i}]: backward ${gd[i]}, finite difference ${central} (x = ${x0})`);
      }
    }
  });
  return r;
}

for (const decl of registry) {
  const Cls = (nn as unknown as Record<string, AnyClass>)[decl.className];
  const mine = cases.filter(
    (c) =>
      c.fn === decl.name &&
      c.expected.kind !== 'error' &&
      (c.expected as NumberExpected).grads !== undefined &&
      float64Args(c) !== null,
  );
  describe(`${decl.className}: gradients against float64 finite differences`, () => {
    it('has float64 cases with gradients to check', () => {
      expect(mine.length).toBeGreaterThan(5);
    });
    it('matches central differences wherever the loss is differentiable', () => {
      let checked = 0;
      const problems: string[] = [];
      // Every case up to a budget, spread over the file: the checks cost three forwards per element.
      const step = Math.max(1, Math.floor(mine.length / 120));
      for (let i = 0; i < mine.length; i += step) {
        const r = checkCase(mine[i], Cls, decl.gradThrough ?? {});
        checked += r.checked;
        for (const p of r.problems) problems.push(`${mine[i].name}: ${p}`);
      }
      expect(problems.slice(0, 20).join('\n')).toBe('');
      expect(checked).toBeGreaterThan(50);
    });
  });
}

describe('gradients PyTorch refuses (gradErrors in the fixtures)', () => {
  // Float arguments only: where PyTorch refuses the input's gradient because the target is an integer tensor
  // ("Found dtype Long but expected Float"; Huber), the call is not promoted to float64, so there is no float64 twin.
  const refused = cases.filter(
    (c) =>
      c.expected.kind !== 'error' &&
      (c.expected as NumberExpected).gradErrors &&
      c.args.every((a) => 'dtype' in a && (a.dtype === 'float32' || a.dtype === 'float64')),
  );
  it('exist in the fixtures (MSE with float32 and float64 arguments)', () => {
    expect(refused.length).toBeGreaterThan(0);
  });
  it("are the all-float64 gradients rounded to each argument's dtype", () => {
    for (const c of refused) {
      const Cls = (nn as unknown as Record<string, AnyClass>)[c.cls];
      const options = decodeOptions(c.options);
      const args = c.args.map(decodeArg) as Tensor[];
      const wide = args.map((t) =>
        tensor(Float64Array.from(t.data as Float64Array), { shape: t.shape, dtype: 'float64' }),
      );
      const g = decodeGradOutput(c.gradOutput);
      const m = new Cls(options);
      m.forward(...args);
      const ours = g === undefined ? m.backward() : m.backward(g);
      const m64 = new Cls(options);
      m64.forward(...wide);
      const ref = g === undefined ? m64.backward() : m64.backward(g);
      ours.forEach((t, k) => {
        expect(t!.dtype, `${c.name} grad ${k}`).toBe(args[k].dtype);
        const want = args[k].dtype === 'float32' ? Float32Array.from(ref[k]!.data as Float64Array) : ref[k]!.data;
        expect(Array.from(t!.data), `${c.name} grad ${k}`).toEqual(Array.from(want));
      });
    }
  });
});
