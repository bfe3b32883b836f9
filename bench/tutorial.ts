// `npm start`: the PyTorch loss-function tutorial this project started from, run on simdloss, printing what
// PyTorch prints; then one line per loss comparing simdloss with a plain TypeScript loop on this machine.
import { F, nn, tensor } from 'simdloss';
import type { Tensor } from 'simdloss';
import { plainBce, plainCrossEntropy, plainL1, plainMse, plainSmoothL1 } from './plain.js';

// simdloss raises PyTorch's warnings (legacy size_average/reduce, broadcasting) through process.emitWarning, which
// Node prints on a later tick: for this synchronous script, after the speed table. Print them where they are
// raised instead, as Python does (once per kind, as the library decides; only the printing moves).
process.emitWarning = ((warning: string | Error, options?: string | { type?: string }) => {
  const type =
    typeof options === 'string' ? options : (options?.type ?? (warning instanceof Error ? warning.name : 'Warning'));
  console.warn(`${type}: ${warning instanceof Error ? warning.message : warning}`);
}) as typeof process.emitWarning;

/** A reduced loss printed as PyTorch prints the 0-d tensor it returns. */
const show = (v: number | Tensor): string => String(typeof v === 'number' ? tensor(v, { shape: [] }) : v);

console.log('PyTorch loss functions tutorial, on simdloss\n');
const inputs = tensor([1, 2, 3]);
const outputs = tensor([2, 2, 4]);
console.log(`inputs  = ${inputs}`);
console.log(`outputs = ${outputs}`);
console.log(`nn.MSELoss()(inputs, outputs)                  → ${show(new nn.MSELoss().forward(inputs, outputs))}`);
console.log(
  `nn.MSELoss(reduction='sum')                    → ${show(new nn.MSELoss({ reduction: 'sum' }).forward(inputs, outputs))}`,
);
const legacy = new nn.MSELoss({ sizeAverage: false, reduce: false, reduction: 'sum' });
console.log(`nn.MSELoss(size_average=False, reduce=False, reduction='sum') → ${show(legacy.forward(inputs, outputs))}`);
console.log(`nn.L1Loss()(inputs, outputs)                   → ${show(new nn.L1Loss().forward(inputs, outputs))}`);
console.log(`nn.SmoothL1Loss()(inputs, outputs)             → ${show(new nn.SmoothL1Loss().forward(inputs, outputs))}`);
const x = tensor([[0.5, 0.2, 0.3]]);
const y = tensor([1], { dtype: 'int64' });
console.log(`x = ${x}, y = ${y}`);
console.log(`nn.CrossEntropyLoss()(x, y)                    → ${show(new nn.CrossEntropyLoss().forward(x, y))}`);

// ---------------------------------------------------------------------------------------------------------------
// Speed: the same Float32Array inputs through simdloss (copy-in included) and through a plain loop.

const N = 100_000;
const CLASSES = 100;

function random(n: number, seed: number, f: (u: number) => number = (u) => u * 4 - 2): Float32Array {
  let s = seed;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = f(s / 4294967296);
  }
  return a;
}

/** Median ns per call of `fn` over batches lasting ~20 ms each, after a warm-up. */
function time(fn: () => number): number {
  for (let i = 0; i < 20; i++) fn();
  const samples: number[] = [];
  let sink = 0;
  for (let b = 0; b < 9; b++) {
    let calls = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < 20) {
      sink += fn();
      calls++;
      t1 = performance.now();
    }
    samples.push(((t1 - t0) * 1e6) / calls);
  }
  if (Number.isNaN(sink)) throw new Error('benchmark result was NaN');
  return samples.sort((a, b) => a - b)[4];
}

const a = random(N, 1);
const b = random(N, 2);
const p = random(N, 3, (u) => 0.01 + 0.98 * u);
const t = random(N, 4, (u) => (u < 0.5 ? 0 : 1));
const logits = random(N, 5);
const classes = Int32Array.from(random(N / CLASSES, 6, (u) => Math.floor(u * CLASSES)));

const cases: Array<[string, () => number, () => number]> = [
  ['MSELoss', () => F.mseLoss(a, b) as number, () => plainMse(a, b)],
  ['L1Loss', () => F.l1Loss(a, b) as number, () => plainL1(a, b)],
  ['SmoothL1Loss', () => F.smoothL1Loss(a, b) as number, () => plainSmoothL1(a, b)],
  ['BCELoss', () => F.binaryCrossEntropy(p, t) as number, () => plainBce(p, t)],
  [
    `CrossEntropyLoss (C=${CLASSES})`,
    () => F.crossEntropy({ data: logits, shape: [N / CLASSES, CLASSES] }, classes) as number,
    () => plainCrossEntropy(logits, classes, CLASSES),
  ],
];

console.log(
  `\nSpeed on this machine, float32, N = ${N.toLocaleString('en')} elements, reduction 'mean' (median of 9 batches):`,
);
for (const [name, simd, plain] of cases) {
  const ours = simd();
  const theirs = plain();
  if (Math.abs(ours - theirs) > 1e-5 * Math.max(1, Math.abs(theirs))) {
    throw new Error(`${name}: simdloss ${ours} and the plain loop ${theirs} disagree`);
  }
  const ts = time(simd);
  const tp = time(plain);
  console.log(
    `  ${name.padEnd(26)} simdloss ${(ts / N).toFixed(2).padStart(6)} ns/el   plain TS ${(tp / N).toFixed(2).padStart(6)} ns/el   ` +
      `${(tp / ts).toFixed(1)}× faster`,
  );
}
