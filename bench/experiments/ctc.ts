// CTCLoss against PyTorch (1 thread) on a speech-sized batch: T = 200 frames, N = 16 sequences, C = 32 classes,
// targets of 25 … 50 labels (S = 50 padded), float32 log_softmax of normal logits. Times simdloss's forward
// (F.ctcLoss) and forward + gradient (valueAndGrad), and PyTorch's forward and forward + backward on the same
// bytes, after checking that the two agree. Standalone (bench/ is someone else's today):
//   node scripts/run-ts.mjs bench/experiments/ctc.ts [--rounds 40] [--T 200 --N 16 --C 32 --S 50]
// PyTorch runs as /usr/bin/python3 (Debian's torch 1.13) with torch.set_num_threads(1) and the malloc settings of
// DESIGN §4 (no fresh mmap per temporary).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { F, tensor, valueAndGrad } from '../../src/index.js';
import { rng } from '../lib/data.js';
import { TORCH_MALLOC_ENV } from '../lib/external.js';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    T: { type: 'string', default: '200' },
    N: { type: 'string', default: '16' },
    C: { type: 'string', default: '32' },
    S: { type: 'string', default: '50' },
  },
});
const rounds = Number(opts.rounds);
const T = Number(opts.T),
  N = Number(opts.N),
  C = Number(opts.C),
  S = Number(opts.S);

// ---------------------------------------------------------------------------------------------------------------
// Data: log_softmax (float64, rounded to float32) of normal logits; labels in [1, C); lengths.
const r = rng(20261201);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const lp = new Float32Array(T * N * C);
for (let row = 0; row < T * N; row++) {
  const z = Array.from({ length: C }, normal);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  for (let c = 0; c < C; c++) lp[row * C + c] = z[c] - lse;
}
const targets = new BigInt64Array(N * S);
for (let i = 0; i < N * S; i++) targets[i] = BigInt(1 + Math.floor(r() * (C - 1)));
const inputLengths = new BigInt64Array(N).fill(BigInt(T));
const targetLengths = BigInt64Array.from({ length: N }, () =>
  BigInt(Math.ceil(S / 2) + Math.floor(r() * (S - Math.ceil(S / 2) + 1))),
);

const x = tensor(lp, { shape: [T, N, C] });
const y = tensor(targets, { shape: [N, S] });
const il = tensor(inputLengths);
const tl = tensor(targetLengths);

// ---------------------------------------------------------------------------------------------------------------
// PyTorch: the same bytes through files; checked against ours, then timed.
const dir = mkdtempSync(join(tmpdir(), 'simdloss-ctc-'));
writeFileSync(join(dir, 'lp.bin'), lp);
writeFileSync(join(dir, 'targets.bin'), targets);
writeFileSync(join(dir, 'il.bin'), inputLengths);
writeFileSync(join(dir, 'tl.bin'), targetLengths);

const PY = `
import json, sys, time, numpy as np, torch, torch.nn.functional as F
torch.set_num_threads(1)
d, T, N, C, S, rounds = sys.argv[1], *map(int, sys.argv[2:7])
lp = torch.from_numpy(np.fromfile(d + '/lp.bin', dtype=np.float32).reshape(T, N, C))
tg = torch.from_numpy(np.fromfile(d + '/targets.bin', dtype=np.int64).reshape(N, S))
il = torch.from_numpy(np.fromfile(d + '/il.bin', dtype=np.int64))
tl = torch.from_numpy(np.fromfile(d + '/tl.bin', dtype=np.int64))
x = lp.clone().requires_grad_()
loss = F.ctc_loss(x, tg, il, tl)
loss.backward()
x.grad.numpy().tofile(d + '/torch_grad.bin')
x64 = lp.double().requires_grad_()
F.ctc_loss(x64, tg, il, tl).backward()
x64.grad.numpy().tofile(d + '/torch_grad64.bin')
def fwd():
    return F.ctc_loss(lp, tg, il, tl)
def fwd_bwd():
    x.grad = None
    l = F.ctc_loss(x, tg, il, tl)
    l.backward()
    return l
out = {'loss': loss.item(), 'torch': torch.__version__, 'threads': torch.get_num_threads()}
for name, f in (('forward', fwd), ('forward+backward', fwd_bwd)):
    for _ in range(5):
        f()
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        f()
        ts.append(time.perf_counter_ns() - t0)
    out[name] = ts
print(json.dumps(out))
`;
const env = { ...process.env, ...TORCH_MALLOC_ENV, OMP_NUM_THREADS: '1' };
const py = spawnSync('/usr/bin/python3', ['-c', PY, dir, String(T), String(N), String(C), String(S), String(rounds)], {
  env,
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
if (py.status !== 0) throw new Error(`PyTorch failed: ${py.stderr}`);
const torchOut = JSON.parse(py.stdout) as {
  loss: number;
  torch: string;
  threads: number;
  forward: number[];
  'forward+backward': number[];
};
const torchGrad = new Float32Array(readFileSync(join(dir, 'torch_grad.bin')).buffer.slice(0));
const truthGrad = new Float64Array(readFileSync(join(dir, 'torch_grad64.bin')).buffer.slice(0));
rmSync(dir, { recursive: true });

// Check first: the loss against PyTorch's, the gradient against PyTorch's float32 one (whose own error is about
// nll·2^-24 relative: it forms e^(log α·β + nll − lp) in float32 with nll ≈ 600 here) and its float64 one.
const ours = valueAndGrad(F.ctcLoss)(x, y, il, tl);
const g = ours.grads[0]!.data as Float32Array;
let gradErr = 0,
  truthErr = 0,
  torchErr = 0,
  gradScale = 0;
for (let i = 0; i < g.length; i++) {
  gradErr = Math.max(gradErr, Math.abs(g[i] - torchGrad[i]));
  truthErr = Math.max(truthErr, Math.abs(g[i] - truthGrad[i]));
  torchErr = Math.max(torchErr, Math.abs(torchGrad[i] - truthGrad[i]));
  gradScale = Math.max(gradScale, Math.abs(truthGrad[i]));
}
const lossErr = Math.abs(ours.value - torchOut.loss) / Math.abs(torchOut.loss);
if (
  !(lossErr < 1e-5) ||
  !(gradErr < 1e-3 * gradScale) ||
  !(truthErr < 1e-6 * gradScale) ||
  F.ctcLoss(x, y, il, tl) !== ours.value
) {
  throw new Error(
    `results differ from PyTorch: loss ${ours.value} vs ${torchOut.loss}, max grad error ${gradErr} ` +
      `(float64: ${truthErr})`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// simdloss, the same schedule as PyTorch's: 5 warm-up calls, then `rounds` timed calls.
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
const vg = valueAndGrad(F.ctcLoss);
const simd = {
  forward: time(() => F.ctcLoss(x, y, il, tl)),
  'forward+backward': time(() => vg(x, y, il, tl)),
};

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
const min = (a: number[]): number => Math.min(...a);
const cpu = (() => {
  try {
    return /Model name:\s*(.*)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
const elements = T * N * C;
console.log(
  `CTCLoss, T=${T} N=${N} C=${C} S=${S} (target lengths ${Math.ceil(S / 2)}…${S}), float32, reduction 'mean'`,
);
console.log(
  `${cpu}, ${new Date().toISOString().slice(0, 10)}; Node ${process.version}; PyTorch ${torchOut.torch}, ` +
    `${torchOut.threads} thread; ${rounds} rounds after 5 warm-up calls`,
);
console.log(
  `checked: loss ${ours.value} (PyTorch ${torchOut.loss}); max |gradient − PyTorch float64's|: ` +
    `simdloss ${truthErr.toExponential(2)}, PyTorch float32 ${torchErr.toExponential(2)} (largest element ` +
    `${gradScale.toExponential(2)})`,
);
console.log('');
console.log(
  '| job | simdloss median (min) | PyTorch median (min) | simdloss ns/element | PyTorch / simdloss (median) |',
);
console.log('|---|---|---|---|---|');
for (const job of ['forward', 'forward+backward'] as const) {
  const a = simd[job],
    b = torchOut[job];
  const ms = (v: number): string => (v / 1e6).toFixed(3);
  console.log(
    `| ${job} | ${ms(median(a))} ms (${ms(min(a))}) | ${ms(median(b))} ms (${ms(min(b))}) | ` +
      `${(median(a) / elements).toFixed(1)} | ${(median(b) / median(a)).toFixed(2)}× |`,
  );
}
