// The torchvision detection losses against PyTorch (torchvision 0.14, 1 thread) at detector sizes: the sigmoid
// focal loss over a RetinaNet-sized classification head (A anchors × K classes, float32 logits, 0/1 targets with
// ~1 % positives, reduction 'sum' as RetinaNet normalises by the positives itself) and the GIoU, DIoU and CIoU
// losses over B matched box pairs (float32, reduction 'mean'). Times simdloss's forward (F.<loss>) and forward +
// gradient (valueAndGrad), and PyTorch's forward and forward + backward on the same bytes, after checking that
// the two agree. Standalone:
//   node scripts/run-ts.mjs bench/experiments/detection.ts [--rounds 30] [--anchors 16384 --classes 80 --boxes 8192]
// PyTorch runs as /usr/bin/python3 (Debian's torch 1.13, torchvision 0.14) with torch.set_num_threads(1) and the
// malloc settings of DESIGN §4 (no fresh mmap per temporary).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Tensor } from '../../src/index.js';
import { F, tensor, valueAndGrad } from '../../src/index.js';
import { rng } from '../lib/data.js';
import { TORCH_MALLOC_ENV } from '../lib/external.js';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    anchors: { type: 'string', default: '16384' },
    classes: { type: 'string', default: '80' },
    boxes: { type: 'string', default: '8192' },
  },
});
const rounds = Number(opts.rounds);
const A = Number(opts.anchors),
  K = Number(opts.classes),
  B = Number(opts.boxes);

// ---------------------------------------------------------------------------------------------------------------
// Data: normal logits with a negative bias (a trained head's), 1 % positive targets; predicted boxes near their
// ground truth (in pixels of an 800 × 800 image).
const r = rng(20261201);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const logits = Float32Array.from({ length: A * K }, () => 1.5 * normal() - 3);
const labels = Float32Array.from({ length: A * K }, () => (r() < 0.01 ? 1 : 0));
const gt = new Float32Array(4 * B),
  pred = new Float32Array(4 * B);
for (let i = 0; i < B; i++) {
  const x = r() * 700,
    y = r() * 700,
    w = 8 + r() * 200,
    h = 8 + r() * 200;
  gt.set([x, y, x + w, y + h], 4 * i);
  const jx = normal() * 0.1 * w,
    jy = normal() * 0.1 * h;
  pred.set([x + jx, y + jy, x + w + jx + normal() * 0.1 * w, y + h + jy + normal() * 0.1 * h], 4 * i);
}

const LOSSES = [
  {
    name: 'sigmoid focal',
    fn: F.sigmoidFocalLoss,
    args: [tensor(logits, { shape: [A, K] }), tensor(labels, { shape: [A, K] })],
    reduction: 'sum',
    elements: A * K,
    py: 'sigmoid_focal_loss',
  },
  {
    name: 'GIoU',
    fn: F.generalizedBoxIouLoss,
    args: [tensor(pred, { shape: [B, 4] }), tensor(gt, { shape: [B, 4] })],
    reduction: 'mean',
    elements: B,
    py: 'generalized_box_iou_loss',
  },
  {
    name: 'DIoU',
    fn: F.distanceBoxIouLoss,
    args: [tensor(pred, { shape: [B, 4] }), tensor(gt, { shape: [B, 4] })],
    reduction: 'mean',
    elements: B,
    py: 'distance_box_iou_loss',
  },
  {
    name: 'CIoU',
    fn: F.completeBoxIouLoss,
    args: [tensor(pred, { shape: [B, 4] }), tensor(gt, { shape: [B, 4] })],
    reduction: 'mean',
    elements: B,
    py: 'complete_box_iou_loss',
  },
] as const;

// ---------------------------------------------------------------------------------------------------------------
// PyTorch: the same bytes through files; checked against ours, then timed.
const dir = mkdtempSync(join(tmpdir(), 'simdloss-detection-'));
writeFileSync(join(dir, 'logits.bin'), logits);
writeFileSync(join(dir, 'labels.bin'), labels);
writeFileSync(join(dir, 'pred.bin'), pred);
writeFileSync(join(dir, 'gt.bin'), gt);

const PY = `
import json, sys, time, numpy as np, torch, torchvision, torchvision.ops as ops
torch.set_num_threads(1)
d, A, K, B, rounds = sys.argv[1], *map(int, sys.argv[2:6])
ld = lambda n, *s: torch.from_numpy(np.fromfile(d + '/' + n + '.bin', dtype=np.float32).reshape(*s))
data = {'sigmoid_focal_loss': (ld('logits', A, K), ld('labels', A, K), 'sum'),
        'generalized_box_iou_loss': (ld('pred', B, 4), ld('gt', B, 4), 'mean'),
        'distance_box_iou_loss': (ld('pred', B, 4), ld('gt', B, 4), 'mean'),
        'complete_box_iou_loss': (ld('pred', B, 4), ld('gt', B, 4), 'mean')}
out = {'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads()}
for name, (a, b, red) in data.items():
    f = getattr(ops, name)
    xa, xb = a.clone().requires_grad_(), b.clone().requires_grad_()
    loss = f(xa, xb, reduction=red)
    loss.backward()
    a64, b64 = a.double().requires_grad_(), b.double().requires_grad_()
    loss64 = f(a64, b64, reduction=red)
    loss64.backward()
    for k, g in (('ga', xa.grad), ('gb', xb.grad), ('ga64', a64.grad), ('gb64', b64.grad)):
        g.numpy().tofile(d + '/' + name + '_' + k + '.bin')
    def fwd():
        return f(a, b, reduction=red)
    def fwd_bwd():
        xa.grad = None
        xb.grad = None
        l = f(xa, xb, reduction=red)
        l.backward()
        return l
    res = {'loss': loss.item(), 'loss64': loss64.item()}
    for job, fn in (('forward', fwd), ('forward+backward', fwd_bwd)):
        for _ in range(5):
            fn()
        ts = []
        for _ in range(rounds):
            t0 = time.perf_counter_ns()
            fn()
            ts.append(time.perf_counter_ns() - t0)
        res[job] = ts
    out[name] = res
print(json.dumps(out))
`;
const env = { ...process.env, ...TORCH_MALLOC_ENV, OMP_NUM_THREADS: '1' };
const py = spawnSync('/usr/bin/python3', ['-c', PY, dir, String(A), String(K), String(B), String(rounds)], {
  env,
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
if (py.status !== 0) throw new Error(`PyTorch failed: ${py.stderr}`);
type Timed = { loss: number; loss64: number; forward: number[]; 'forward+backward': number[] };
const torchOut = JSON.parse(py.stdout) as Record<string, Timed> & {
  torch: string;
  torchvision: string;
  threads: number;
};
const read = (name: string, k: string, wide: boolean): Float32Array | Float64Array => {
  const buf = readFileSync(join(dir, `${name}_${k}.bin`));
  return wide
    ? new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
    : new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

// ---------------------------------------------------------------------------------------------------------------
// Check first (value and both gradients against PyTorch's float64 ones, as accurate as PyTorch's float32 or
// better), then time with the same schedule as PyTorch's: 5 warm-up calls, then `rounds` timed calls.
function time(f: () => unknown): number[] {
  for (let i = 0; i < 5; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ts.push(Number(process.hrtime.bigint() - t0));
  }
  return ts;
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
const min = (a: number[]): number => Math.min(...a);
const rows: string[] = [];
const checks: string[] = [];
for (const L of LOSSES) {
  const t = torchOut[L.py];
  const call = (...a: unknown[]) => (L.fn as (...x: unknown[]) => number)(...a);
  const vg = valueAndGrad(L.fn as never) as unknown as (...a: unknown[]) => { value: number; grads: (Tensor | null)[] };
  const ours = vg(...L.args, { reduction: L.reduction });
  if (call(...L.args, { reduction: L.reduction }) !== ours.value)
    throw new Error(`${L.name}: F and valueAndGrad differ`);
  const valueErr = Math.abs(ours.value - t.loss64),
    torchValueErr = Math.abs(t.loss - t.loss64);
  let err = 0,
    torchErr = 0,
    scale = 0;
  for (const [k, g] of [
    ['a', ours.grads[0]],
    ['b', ours.grads[1]],
  ] as const) {
    const mine = g!.data as Float32Array,
      theirs = read(L.py, `g${k}`, false),
      truth = read(L.py, `g${k}64`, true);
    for (let i = 0; i < mine.length; i++) {
      err = Math.max(err, Math.abs(mine[i] - truth[i]));
      torchErr = Math.max(torchErr, Math.abs(theirs[i] - truth[i]));
      scale = Math.max(scale, Math.abs(truth[i]));
    }
  }
  if (
    !(valueErr <= Math.max(torchValueErr, 2 ** -22 * Math.abs(t.loss64))) ||
    !(err <= Math.max(torchErr, 2 ** -22 * scale))
  )
    throw new Error(
      `${L.name}: results differ from PyTorch: ${ours.value} vs ${t.loss} (float64 ${t.loss64}); grad error ${err} vs PyTorch's ${torchErr}`,
    );
  checks.push(
    `${L.name}: |value − float64| simdloss ${valueErr.toExponential(2)}, PyTorch float32 ${torchValueErr.toExponential(2)}; max |gradient − float64| simdloss ${err.toExponential(2)}, PyTorch ${torchErr.toExponential(2)} (largest ${scale.toExponential(2)})`,
  );
  const simd = {
    forward: time(() => call(...L.args, { reduction: L.reduction })),
    'forward+backward': time(() => vg(...L.args, { reduction: L.reduction })),
  };
  for (const job of ['forward', 'forward+backward'] as const) {
    const a = simd[job],
      b = t[job];
    const ms = (v: number): string => (v / 1e6).toFixed(3);
    const unit = L.elements === B && L.name !== 'sigmoid focal' ? 'box' : 'element';
    rows.push(
      `| ${L.name} | ${job} | ${ms(median(a))} ms (${ms(min(a))}) | ${ms(median(b))} ms (${ms(min(b))}) | ` +
        `${(median(a) / L.elements).toFixed(1)} ns/${unit} | ${(median(b) / median(a)).toFixed(2)}× |`,
    );
  }
}
rmSync(dir, { recursive: true });

const cpu = (() => {
  try {
    return /Model name:\s*(.*)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
console.log(
  `Detection losses: sigmoid focal (${A} × ${K}, float32, 'sum'); GIoU / DIoU / CIoU (${B} box pairs, float32, 'mean')`,
);
console.log(
  `${cpu}, ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; PyTorch ${torchOut.torch}, ` +
    `torchvision ${torchOut.torchvision}, ${torchOut.threads} thread; ${rounds} rounds after 5 warm-up calls`,
);
for (const c of checks) console.log(`checked: ${c}`);
console.log('');
console.log('| loss | job | simdloss median (min) | PyTorch median (min) | simdloss | PyTorch / simdloss (median) |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
