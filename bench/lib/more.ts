// Issue 10's fifteen losses as one small case table: for each, its simdloss functional, its tensor arguments
// (how they are drawn, and whether they have the input's shape or one value per row), the PyTorch call, and the
// straightforward float64 loop that is both the plain-TypeScript competitor and the float64 truth. bench/run.ts,
// scripts/bench-torch.py and test/bench-check.test.ts drive every entry the same way; the check test also holds
// the table to the registry (src/core/loss.ts), so a loss added there without a bench entry fails it.

/** How one tensor argument is drawn (seeded per case, bench/lib/data.ts). */
export interface ArgSpec {
  /**
   * 'uniform': floats uniform in [lo, hi); 'sign': ±1 floats; 'bits': 0/1 floats; 'class': int32 class indices in
   * [0, width); 'multilabel': int32 rows of 1–3 distinct labels in [0, width), padded with −1.
   */
  kind: 'uniform' | 'sign' | 'bits' | 'class' | 'multilabel';
  lo?: number;
  hi?: number;
  /** 'element': the input's shape; 'row': one value per row ([rows]). */
  per: 'element' | 'row';
}

/** The arguments of one call, as the plain loops read them. */
export type Args = ReadonlyArray<Float32Array | Float64Array | Int32Array>;

export interface MoreSpec {
  /** Case id prefix: `huber-f32-1e5`. */
  key: string;
  /** Series label in tables and the chart. */
  series: string;
  /** simdloss's `F.<fn>`. */
  fn: string;
  /** Row width (classes or features): the input is [N / width, width]; absent: 1-D of N elements. */
  width?: number;
  args: readonly ArgSpec[];
  /** Options passed to simdloss (the PyTorch expression passes the same). */
  options?: Readonly<Record<string, unknown>>;
  /** The PyTorch call, a Python expression over `a` (the argument tensors) and `F` (torch.nn.functional). */
  torch: string;
  /** The loss of one call as a plain float64 loop (`rows` × `width` input; width 1 for 1-D losses). */
  plain(a: Args, rows: number, width: number): number;
}

const U = (lo: number, hi: number): ArgSpec => ({ kind: 'uniform', lo, hi, per: 'element' });
const SIGN: ArgSpec = { kind: 'sign', per: 'element' };
const ROW_SIGN: ArgSpec = { kind: 'sign', per: 'row' };

/** Pairwise distance ‖a − b + eps‖₂ of row r (torch.pairwise_distance, p = 2, eps = 1e-6). */
function dist(a: Args[number], b: Args[number], r: number, D: number): number {
  let s = 0;
  for (let k = r * D; k < (r + 1) * D; k++) {
    const d = a[k] - b[k] + 1e-6;
    s += d * d;
  }
  return Math.sqrt(s);
}

function triplet([a, p, n]: Args, rows: number, D: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) s += Math.max(dist(a, p, r, D) - dist(a, n, r, D) + 1, 0);
  return s / rows;
}

/** log σ(v), written as the textbook does. */
const logSigmoid = (v: number): number => (v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)));

/** The table: every loss of issue 10, with its default options unless `options` says otherwise. */
export const MORE: readonly MoreSpec[] = [
  {
    key: 'huber',
    series: 'Huber',
    fn: 'huberLoss',
    args: [U(-2, 2), U(-2, 2)],
    torch: 'F.huber_loss(a[0], a[1])',
    plain: ([x, y], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(x[i] - y[i]);
        s += d < 1 ? 0.5 * d * d : d - 0.5;
      }
      return s / n;
    },
  },
  {
    key: 'bcelogits',
    series: 'BCEWithLogits',
    fn: 'binaryCrossEntropyWithLogits',
    args: [U(-4, 4), U(0, 1)],
    torch: 'F.binary_cross_entropy_with_logits(a[0], a[1])',
    plain: ([x, t], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const m = Math.max(-x[i], 0);
        s += (1 - t[i]) * x[i] + m + Math.log(Math.exp(-m) + Math.exp(-x[i] - m));
      }
      return s / n;
    },
  },
  {
    key: 'kldiv',
    series: 'KLDiv',
    fn: 'klDiv',
    width: 10,
    args: [U(-4, 0), U(0, 1)],
    options: { reduction: 'batchmean' },
    torch: "F.kl_div(a[0], a[1], reduction='batchmean')",
    plain: ([x, t], rows, D) => {
      let s = 0;
      for (let i = 0; i < rows * D; i++) if (t[i] > 0) s += t[i] * (Math.log(t[i]) - x[i]);
      return s / rows;
    },
  },
  {
    key: 'poissonnll',
    series: 'PoissonNLL',
    fn: 'poissonNllLoss',
    args: [U(-2, 2), U(0, 5)],
    torch: 'F.poisson_nll_loss(a[0], a[1])',
    plain: ([x, t], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(x[i]) - t[i] * x[i];
      return s / n;
    },
  },
  {
    key: 'gaussiannll',
    series: 'GaussianNLL',
    fn: 'gaussianNllLoss',
    args: [U(-2, 2), U(-2, 2), U(0.1, 2)],
    torch: 'F.gaussian_nll_loss(a[0], a[1], a[2])',
    plain: ([x, t, v], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const w = Math.max(v[i], 1e-6);
        const d = x[i] - t[i];
        s += 0.5 * (Math.log(w) + (d * d) / w);
      }
      return s / n;
    },
  },
  {
    key: 'softmargin',
    series: 'SoftMargin',
    fn: 'softMarginLoss',
    args: [U(-2, 2), SIGN],
    torch: 'F.soft_margin_loss(a[0], a[1])',
    plain: ([x, y], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.log(1 + Math.exp(-y[i] * x[i]));
      return s / n;
    },
  },
  {
    key: 'marginranking',
    series: 'MarginRanking',
    fn: 'marginRankingLoss',
    args: [U(-2, 2), U(-2, 2), SIGN],
    torch: 'F.margin_ranking_loss(a[0], a[1], a[2])',
    plain: ([x1, x2, y], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.max(0, -y[i] * (x1[i] - x2[i]));
      return s / n;
    },
  },
  {
    key: 'hingeembedding',
    series: 'HingeEmbedding',
    fn: 'hingeEmbeddingLoss',
    args: [U(-1, 2), SIGN],
    torch: 'F.hinge_embedding_loss(a[0], a[1])',
    plain: ([x, y], n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += y[i] === 1 ? x[i] : Math.max(0, 1 - x[i]);
      return s / n;
    },
  },
  {
    key: 'cosineembedding',
    series: 'CosineEmbedding',
    fn: 'cosineEmbeddingLoss',
    width: 100,
    args: [U(-1, 1), U(-1, 1), ROW_SIGN],
    torch: 'F.cosine_embedding_loss(a[0], a[1], a[2])',
    plain: ([x1, x2, y], rows, D) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        let p = 0;
        let m1 = 0;
        let m2 = 0;
        for (let k = r * D; k < (r + 1) * D; k++) {
          p += x1[k] * x2[k];
          m1 += x1[k] * x1[k];
          m2 += x2[k] * x2[k];
        }
        const cos = p / Math.sqrt((m1 + 1e-12) * (m2 + 1e-12));
        s += y[r] === 1 ? 1 - cos : Math.max(0, cos);
      }
      return s / rows;
    },
  },
  {
    key: 'nll',
    series: 'NLL C=10',
    fn: 'nllLoss',
    width: 10,
    args: [U(-8, 0), { kind: 'class', per: 'row' }],
    torch: 'F.nll_loss(a[0], a[1])',
    plain: ([x, t], rows, C) => {
      let s = 0;
      for (let r = 0; r < rows; r++) s -= x[r * C + t[r]];
      return s / rows;
    },
  },
  {
    key: 'multimargin',
    series: 'MultiMargin C=10',
    fn: 'multiMarginLoss',
    width: 10,
    args: [U(-2, 2), { kind: 'class', per: 'row' }],
    torch: 'F.multi_margin_loss(a[0], a[1])',
    plain: ([x, t], rows, C) => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const xt = x[r * C + t[r]];
        for (let c = 0; c < C; c++) if (c !== t[r]) s += Math.max(0, 1 - xt + x[r * C + c]) / C;
      }
      return s / rows;
    },
  },
  {
    key: 'multilabelmargin',
    series: 'MultiLabelMargin C=10',
    fn: 'multilabelMarginLoss',
    width: 10,
    args: [U(-2, 2), { kind: 'multilabel', per: 'element' }],
    torch: 'F.multilabel_margin_loss(a[0], a[1])',
    plain: ([x, t], rows, C) => {
      let s = 0;
      const isLabel = new Uint8Array(C);
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        isLabel.fill(0);
        let k = 0;
        while (k < C && t[o + k] >= 0) isLabel[t[o + k++]] = 1;
        for (let j = 0; j < k; j++) {
          const xj = x[o + t[o + j]];
          for (let i = 0; i < C; i++) if (!isLabel[i]) s += Math.max(0, 1 - (xj - x[o + i])) / C;
        }
      }
      return s / rows;
    },
  },
  {
    key: 'multilabelsoftmargin',
    series: 'MultiLabelSoftMargin C=10',
    fn: 'multilabelSoftMarginLoss',
    width: 10,
    args: [U(-2, 2), { kind: 'bits', per: 'element' }],
    torch: 'F.multilabel_soft_margin_loss(a[0], a[1])',
    plain: ([x, y], rows, C) => {
      let s = 0;
      for (let i = 0; i < rows * C; i++) s -= (y[i] * logSigmoid(x[i]) + (1 - y[i]) * logSigmoid(-x[i])) / C;
      return s / rows;
    },
  },
  {
    key: 'tripletmargin',
    series: 'TripletMargin D=100',
    fn: 'tripletMarginLoss',
    width: 100,
    args: [U(-1, 1), U(-1, 1), U(-1, 1)],
    torch: 'F.triplet_margin_loss(a[0], a[1], a[2])',
    plain: triplet,
  },
  {
    key: 'tripletdistance',
    series: 'TripletMarginWithDistance D=100',
    fn: 'tripletMarginWithDistanceLoss',
    width: 100,
    args: [U(-1, 1), U(-1, 1), U(-1, 1)],
    torch: 'F.triplet_margin_with_distance_loss(a[0], a[1], a[2])',
    plain: triplet,
  },
];

/** The spec of a case key (throws for an unknown key: the table and the case list must agree). */
export function moreSpec(key: string): MoreSpec {
  const s = MORE.find((m) => m.key === key);
  if (!s) throw new Error(`bench: no entry '${key}' in bench/lib/more.ts`);
  return s;
}

/** Shape of argument k for a case of `elements` input elements. */
export function argShape(spec: MoreSpec, k: number, elements: number): number[] {
  const D = spec.width;
  if (!D) return [elements];
  return spec.args[k].per === 'row' ? [elements / D] : [elements / D, D];
}

/** Whether argument k holds integers (int32 in the bench's files, int64 for PyTorch). */
export const isIntArg = (a: ArgSpec): boolean => a.kind === 'class' || a.kind === 'multilabel';
