// The box IoU kernels (assembly/boxes/box_iou.ts) raw, in both test builds: for box counts at DESIGN §4's lengths,
// every kind (GIoU, DIoU, CIoU) and element type, the per-box losses and the gradients of both box sets (upstream
// per box or shared, each gradient on or off) equal an independent float64 reference that follows the kernel
// header's operation order — bit for bit for GIoU and DIoU, within 4 ulp for CIoU (its atan is musl's in the
// kernels and V8's here) — the SIMD and the scalar build give the same bits, the float32 kernels round once from
// float64, sums are the per-box losses' sum to rounding, and nothing is written outside the outputs.
import { afterAll, describe, expect, it } from 'vitest';
import { BUILDS, firstBitDifference, LENGTHS, RawBuild, rng, uncalled } from './helpers/builds.js';

type DType = 'f32' | 'f64';
const KINDS = ['giou', 'diou', 'ciou'] as const;
type Kind = (typeof KINDS)[number];
const FOUR_OVER_PI2 = 4 / (Math.PI * Math.PI);

/** Gradient routing of maximum (to its first argument a; to b swap the comparison) as torch's autograd. */
const maxA = (a: number, b: number, g: number): number => (a < b ? 0 : a === b ? g / 2 : g);
const maxB = (a: number, b: number, g: number): number => (a > b ? 0 : a === b ? g / 2 : g);

/** One box pair: the loss and the eight gradients times G, the kernel header's formulas in its order. */
function reference(kind: Kind, eps: number, p: ArrayLike<number>, q: ArrayLike<number>, G: number) {
  const [x1, y1, x2, y2] = [p[0], p[1], p[2], p[3]];
  const [X1, Y1, X2, Y2] = [q[0], q[1], q[2], q[3]];
  const e = kind === 'ciou' ? 1e-7 : eps;
  const xk1 = Math.max(x1, X1),
    yk1 = Math.max(y1, Y1),
    xk2 = Math.min(x2, X2),
    yk2 = Math.min(y2, Y2);
  const mask = yk2 > yk1 && xk2 > xk1;
  const dx = xk2 - xk1,
    dy = yk2 - yk1;
  const inter = mask ? dx * dy : 0;
  const w1 = x2 - x1,
    h1 = y2 - y1,
    w2 = X2 - X1,
    h2 = Y2 - Y1;
  const union = w1 * h1 + w2 * h2 - inter;
  const ue = union + e;
  const iou = inter / ue;
  const xc1 = Math.min(x1, X1),
    yc1 = Math.min(y1, Y1),
    xc2 = Math.max(x2, X2),
    yc2 = Math.max(y2, Y2);
  const cw = xc2 - xc1,
    ch = yc2 - yc1;
  let loss: number;
  let gIou: number,
    gUnion = 0,
    gCw: number,
    gCh: number;
  const g = { x1: 0, y1: 0, x2: 0, y2: 0, X1: 0, Y1: 0, X2: 0, Y2: 0 };
  let gw1 = 0,
    gh1 = 0,
    gw2 = 0,
    gh2 = 0;
  if (kind === 'giou') {
    const ac = cw * ch,
      ace = ac + e,
      q2 = (ac - union) / ace;
    loss = 1 - (iou - q2);
    const gMiou = -G;
    gIou = gMiou;
    const gq = -gMiou;
    const gNum = gq / ace;
    const gAc = gNum + -gq * (q2 / ace);
    gUnion = -gNum;
    gCw = gAc * ch;
    gCh = gAc * cw;
  } else {
    const diag = cw * cw + ch * ch + e;
    const ex = (x2 + x1) / 2 - (X1 + X2) / 2,
      ey = (y2 + y1) / 2 - (Y1 + Y2) / 2;
    const r = (ex * ex + ey * ey) / diag;
    loss = 1 - iou + r;
    gIou = -G;
    const gCd = G / diag,
      gDiag = -G * (r / diag);
    gCw = gDiag * (2 * cw);
    gCh = gDiag * (2 * ch);
    const gEx = gCd * (2 * ex),
      gEy = gCd * (2 * ey);
    g.x2 = g.x1 = gEx / 2;
    g.X1 = g.X2 = -gEx / 2;
    g.y2 = g.y1 = gEy / 2;
    g.Y1 = g.Y2 = -gEy / 2;
    if (kind === 'ciou') {
      const ra = w2 / h2,
        rb = w1 / h1;
      const d = Math.atan(ra) - Math.atan(rb);
      const v = FOUR_OVER_PI2 * (d * d);
      const alpha = v / (1 - iou + v + eps);
      loss = loss + alpha * v;
      const gd = G * alpha * FOUR_OVER_PI2 * (2 * d);
      const gra = gd / (ra * ra + 1),
        grb = -gd / (rb * rb + 1);
      gw2 = gra / h2;
      gh2 = -gra * (ra / h2);
      gw1 = grb / h1;
      gh1 = -grb * (rb / h1);
    }
  }
  let gInter = gIou / ue;
  gUnion = gUnion + -gIou * (iou / ue);
  gInter = gInter + -gUnion;
  gw1 += gUnion * h1;
  gh1 += gUnion * w1;
  gw2 += gUnion * h2;
  gh2 += gUnion * w2;
  const gDx = gInter * dy,
    gDy = gInter * dx;
  const gxk2 = mask ? gDx : 0,
    gxk1 = mask ? -gDx : 0,
    gyk2 = mask ? gDy : 0,
    gyk1 = mask ? -gDy : 0;
  g.x2 += gw1;
  g.x1 += -gw1;
  g.y2 += gh1;
  g.y1 += -gh1;
  g.X2 += gw2;
  g.X1 += -gw2;
  g.Y2 += gh2;
  g.Y1 += -gh2;
  g.x1 += maxA(x1, X1, gxk1);
  g.X1 += maxB(x1, X1, gxk1);
  g.y1 += maxA(y1, Y1, gyk1);
  g.Y1 += maxB(y1, Y1, gyk1);
  g.x2 += maxB(x2, X2, gxk2);
  g.X2 += maxA(x2, X2, gxk2);
  g.y2 += maxB(y2, Y2, gyk2);
  g.Y2 += maxA(y2, Y2, gyk2);
  g.x1 += maxB(x1, X1, -gCw);
  g.X1 += maxA(x1, X1, -gCw);
  g.y1 += maxB(y1, Y1, -gCh);
  g.Y1 += maxA(y1, Y1, -gCh);
  g.x2 += maxA(x2, X2, gCw);
  g.X2 += maxB(x2, X2, gCw);
  g.y2 += maxA(y2, Y2, gCh);
  g.Y2 += maxB(y2, Y2, gCh);
  return { loss, ga: [g.x1, g.y1, g.x2, g.y2], gb: [g.X1, g.Y1, g.X2, g.Y2] };
}

/** n box pairs on a 1/8 grid with ties, shared edges, zero-size boxes, disjoint pairs and a few NaN / ∞. */
function boxPairs(n: number, seed: number): { a: Float64Array; b: Float64Array; g: Float64Array } {
  const r = rng(seed);
  const a = new Float64Array(4 * n),
    b = new Float64Array(4 * n),
    g = new Float64Array(n);
  const grid = (span: number) => Math.floor(r() * span * 8) / 8;
  for (let i = 0; i < n; i++) {
    const x = grid(8),
      y = grid(8),
      w = grid(4),
      h = grid(4);
    a.set([x, y, x + w, y + h], 4 * i);
    const mode = i % 7;
    if (mode === 0)
      b.set([x, y, x + w, y + h], 4 * i); // identical (ties everywhere; zero-area when w or h is 0)
    else if (mode === 1)
      b.set([x + w, y, x + w + grid(3), y + h], 4 * i); // touching
    else if (mode === 2)
      b.set([x, y + grid(2), x + grid(6), y + h + grid(2)], 4 * i); // a shared edge
    else b.set([grid(10), grid(10), 10 + grid(4), 10 + grid(4)], 4 * i);
    g[i] = (Math.floor(r() * 49) - 24) / 8;
  }
  if (n > 5) {
    a[4 * (n - 3) + 1] = Number.NaN;
    b[4 * Math.floor(n / 2) + 2] = Number.POSITIVE_INFINITY;
  }
  return { a, b, g };
}

const builds = BUILDS.map((name) => new RawBuild(name));
const kindValue = (b: RawBuild, k: Kind): number => {
  const name = k === 'giou' ? 'BOX_GIOU' : k === 'diou' ? 'BOX_DIOU' : 'BOX_CIOU';
  return (b.raw[name] as WebAssembly.Global).value as number;
};

interface Outputs {
  sum: number;
  losses: Float64Array;
  ga: Float32Array | Float64Array;
  gb: Float32Array | Float64Array;
  gradLosses: Float64Array;
}

function run(
  b: RawBuild,
  dtype: DType,
  kind: Kind,
  eps: number,
  n: number,
  seed: number,
  perBox: boolean,
  misalign: number,
): Outputs {
  b.reset();
  const Arr = dtype === 'f32' ? Float32Array : Float64Array;
  const { a, b: bb, g } = boxPairs(n, seed);
  const pa = b.put(Arr.from(a), misalign),
    pb = b.put(Arr.from(bb), misalign);
  const pg = perBox ? b.put(g, misalign) : 0;
  const out = b.reserve(Float64Array, n, misalign);
  const ga = b.reserve(Arr, 4 * n, misalign),
    gb = b.reserve(Arr, 4 * n, misalign);
  const gl = b.reserve(Float64Array, n, misalign);
  for (const [p, bytes] of [
    [out, 8 * n],
    [ga, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gb, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gl, 8 * n],
  ])
    b.poison(p, bytes);
  const k = kindValue(b, kind);
  const sum = b.k[`box_loss_${dtype}`](pa, pb, n, k, eps, out);
  expect(Object.is(b.k[`box_loss_${dtype}`](pa, pb, n, k, eps, 0), sum)).toBe(true);
  b.k[`box_grad_${dtype}`](pa, pb, pg, 0.75, n, k, eps, ga, gb, gl);
  for (const [p, bytes] of [
    [out, 8 * n],
    [ga, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gb, 4 * n * Arr.BYTES_PER_ELEMENT],
    [gl, 8 * n],
  ])
    expect(b.guardsIntact(p, bytes)).toBe(true);
  // one gradient at a time writes the same bits and nothing into the other
  const only = b.reserve(Arr, 4 * n, misalign);
  b.k[`box_grad_${dtype}`](pa, pb, pg, 0.75, n, k, eps, 0, only, 0);
  expect(firstBitDifference(b.read(Arr, only, 4 * n), b.read(Arr, gb, 4 * n))).toBe(-1);
  return {
    sum,
    losses: b.read(Float64Array, out, n),
    ga: b.read(Arr, ga, 4 * n),
    gb: b.read(Arr, gb, 4 * n),
    gradLosses: b.read(Float64Array, gl, n),
  };
}

function ulpsApart(x: number, y: number, f32: boolean): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
  if (x === y) return 0;
  const scale = Math.max(Math.abs(x), Math.abs(y));
  const ulp = f32 ? 2 ** (Math.floor(Math.log2(scale)) - 23) : 2 ** (Math.floor(Math.log2(scale)) - 52);
  return Math.abs(x - y) / ulp;
}

describe.each(KINDS)('box kernels, %s', (kind) => {
  for (const dtype of ['f32', 'f64'] as const) {
    it(`${dtype}: both builds equal the reference at every length (upstream per box and shared, misaligned)`, () => {
      const f32 = dtype === 'f32';
      const round = f32 ? Math.fround : (v: number) => v;
      for (const n of LENGTHS) {
        for (const [perBox, misalign] of [
          [true, 0],
          [false, f32 ? 4 : 8],
        ] as const) {
          const eps = n % 2 === 0 ? 1e-7 : 0.25;
          const seed = 7 * n + (perBox ? 1 : 2);
          const outs = builds.map((b) => run(b, dtype, kind, eps, n, seed, perBox, misalign));
          // SIMD and scalar builds: the same bits everywhere
          for (const key of ['losses', 'ga', 'gb', 'gradLosses'] as const)
            expect(firstBitDifference(outs[0][key], outs[1][key]), `${n} ${key}`).toBe(-1);
          const { a, b, g } = boxPairs(n, seed);
          const A = f32 ? Float32Array.from(a) : a,
            B = f32 ? Float32Array.from(b) : b;
          let sum = 0,
            mag = 0;
          for (let i = 0; i < n; i++) {
            const ref = reference(
              kind,
              eps,
              A.subarray(4 * i, 4 * i + 4),
              B.subarray(4 * i, 4 * i + 4),
              perBox ? g[i] : 0.75,
            );
            const tol = kind === 'ciou' ? 4 : 0;
            for (const out of outs) {
              const what = `${n} box ${i}`;
              if (!(ulpsApart(out.losses[i], ref.loss, false) <= tol))
                expect.fail(`${what} loss ${out.losses[i]} vs ${ref.loss}`);
              expect(Object.is(out.gradLosses[i], out.losses[i]), `${what} losses of the gradient pass`).toBe(true);
              for (let c = 0; c < 4; c++) {
                for (const [got, want, name] of [
                  [out.ga[4 * i + c], ref.ga[c], 'ga'],
                  [out.gb[4 * i + c], ref.gb[c], 'gb'],
                ] as const) {
                  const w = round(want);
                  const ok =
                    tol === 0
                      ? Object.is(got, w)
                      : ulpsApart(got, w, f32) <= tol || Math.abs(got - w) <= 1e-15 * Math.abs(G(ref));
                  if (!ok) expect.fail(`${what} ${name}[${c}]: ${got} vs ${w} (${kind} ${dtype})`);
                }
              }
            }
            sum += ref.loss;
            mag += Math.abs(ref.loss);
          }
          for (const out of outs) {
            if (Number.isNaN(sum)) expect(out.sum).toBeNaN();
            else if (!Number.isFinite(sum)) expect(out.sum).toBe(sum);
            else expect(Math.abs(out.sum - sum)).toBeLessThanOrEqual(4 * n * 2 ** -52 * mag);
          }
        }
      }
    });
  }
});

/** The scale of a pair's gradients (their largest magnitude), for CIoU's absolute floor near cancellations. */
function G(ref: { ga: number[]; gb: number[] }): number {
  return Math.max(...[...ref.ga, ...ref.gb].filter(Number.isFinite).map(Math.abs), 0);
}

describe('box kernels, identities', () => {
  it('identical non-degenerate boxes: loss 0 (GIoU, DIoU at eps 0; CIoU 1 − U/(U + 1e-7)); identical zero-area boxes: 1 (GIoU, DIoU), NaN (CIoU)', () => {
    const b = builds[0];
    b.reset();
    const boxes = new Float64Array([0, 0, 2, 2, 1, 1, 4, 3, 0.5, 0.25, 0.75, 3]);
    const pa = b.put(boxes),
      out = b.reserve(Float64Array, 3);
    const zero = b.put(new Float64Array([1, 1, 1, 1, 0, 0, 0, 0]));
    const out0 = b.reserve(Float64Array, 2);
    for (const kind of KINDS) {
      b.k.box_loss_f64(pa, pa, 3, kindValue(b, kind), 0, out);
      // eps = 0: 1 − I/U with I = U exactly, and the penalties vanish for identical boxes; CIoU's DIoU part keeps
      // e₀ = 1e-7, so its loss is 1 − U/(U + 1e-7) (its aspect term v is 0)
      const areas = [4, 6, 0.25 * 2.75];
      const want = kind === 'ciou' ? areas.map((u) => 1 - u / (u + 1e-7)) : [0, 0, 0];
      expect(Array.from(b.read(Float64Array, out, 3))).toEqual(want);
      b.k.box_loss_f64(zero, zero, 2, kindValue(b, kind), 1e-7, out0);
      const z = Array.from(b.read(Float64Array, out0, 2));
      if (kind === 'ciou') expect(z.every(Number.isNaN)).toBe(true);
      else expect(z).toEqual([1, 1]);
    }
  });
});

afterAll(() => {
  expect(uncalled('boxes')).toEqual([]);
});
