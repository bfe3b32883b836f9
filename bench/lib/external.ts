// The competitors that run outside this process: PyTorch (one python process per dtype), the C reference, and
// the plain TypeScript loops (a fresh node process per case).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import type { Case } from './cases.js';
import { argShape, isIntArg, moreSpec } from './more.js';
import type { Expectation } from './check.js';
import { filesOf } from './data.js';
import type { Schedule, Timing } from './timing.js';

export const PYTHON = '/usr/bin/python3';

/**
 * glibc malloc settings for the PyTorch process (DESIGN.md §4: time PyTorch at its best). By default every
 * temporary above 128 KiB is a fresh mmap whose pages fault in on first touch (~10 ns/element here) and is
 * unmapped on free, which makes torch's timings bimodal; with these, freed memory stays in the heap and is reused.
 */
export const TORCH_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '4294967296',
  MALLOC_TRIM_THRESHOLD_: '4294967296',
  MALLOC_TOP_PAD_: '268435456',
};

/** The malloc settings as the results notes print them. */
export const TORCH_MALLOC_NOTE = Object.entries(TORCH_MALLOC_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');

export interface TorchCase {
  value: number;
  /** Backward cases: Σ grad·x in float64. */
  gradDot?: number;
  threads: Record<string, { nsPerElement: number; samples: number }>;
}

export interface TorchRun {
  version?: string;
  cases: Record<string, TorchCase>;
  /** Why PyTorch did not run, when it did not. */
  skipped?: string;
}

/** True when /usr/bin/python3 can import torch. */
export function torchAvailable(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : `python3-torch is not installed (${r.stderr.trim().split('\n').pop()})`;
}

/** Times every case in PyTorch, one python process per dtype, at each thread count. */
export function runTorch(cases: readonly Case[], dir: string, schedule: Schedule, threads: number[]): TorchRun {
  const skipped = torchAvailable();
  if (skipped) return { cases: {}, skipped };
  const out: TorchRun = { cases: {} };
  for (const dtype of ['float32', 'float64'] as const) {
    const mine = cases.filter((c) => c.dtype === dtype);
    if (mine.length === 0) continue;
    const manifest = `${dir}/torch-${dtype}.json`;
    writeFileSync(
      manifest,
      JSON.stringify({
        schedule,
        threads,
        cases: mine.map((c) => ({ ...c, ...filesOf(dir, c), ...torchExtras(c) })),
      }),
    );
    const r = spawnSync(PYTHON, ['scripts/bench-torch.py', manifest], {
      encoding: 'utf8',
      env: { ...process.env, ...TORCH_MALLOC_ENV },
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    });
    if (r.status !== 0) throw new Error(`scripts/bench-torch.py failed (exit ${r.status})`);
    const parsed = JSON.parse(r.stdout) as { torch: string; cases: Record<string, TorchCase> };
    out.version = parsed.torch;
    Object.assign(out.cases, parsed.cases);
  }
  return out;
}

/**
 * What scripts/bench-torch.py needs beyond the case: issue 10's call, argument shapes and integer flags; and the
 * thread counts (the backward and issue-10 cases are compared with 1 thread only, as their issues ask).
 */
function torchExtras(c: Case): Record<string, unknown> {
  if (c.loss === 'ceBackward') return { threads: [1] };
  if (c.loss !== 'more') return {};
  const spec = moreSpec(c.more!);
  return {
    threads: [1],
    torch: spec.torch,
    argShapes: spec.args.map((_, k) => argShape(spec, k, c.elements)),
    argInts: spec.args.map(isIntArg),
  };
}

export const C_BINARY = '.cache/bench-c';

/** Compiles scripts/bench-c.c; returns the compiler's version line, or null with the reason in `error`. */
export function buildC(): { version: string | null; error?: string } {
  try {
    mkdirSync(dirname(C_BINARY), { recursive: true }); // a fresh clone has no .cache/ yet
    execFileSync('gcc', ['-O3', '-march=native', '-mprefer-vector-width=256', '-o', C_BINARY, 'scripts/bench-c.c']);
    return { version: execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0] };
  } catch (err) {
    return { version: null, error: `gcc failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

export interface CResult {
  mse: { value: number } & Timing;
  read: Timing;
}

/** Runs the C reference on a float32 MSE case. */
export function runC(c: Case, dir: string, schedule: Schedule): CResult {
  const f = filesOf(dir, c);
  const stdout = execFileSync(
    C_BINARY,
    [
      f.x,
      f.y,
      String(c.elements),
      String(c.sets),
      String(c.batch),
      String(schedule.timeMs),
      String(schedule.minSamples),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(stdout) as CResult;
}

/** The two builds of scripts/bench-c-kernels.c (issue 9): the ISA class of wasm SIMD, and the machine's best. */
export const C_KERNEL_BUILDS = [
  { impl: 'C kernel SSE4.1', binary: '.cache/bench-c-kernels-sse41', flags: ['-O3', '-msse4.1', '-mno-fma'] },
  { impl: 'C kernel native', binary: '.cache/bench-c-kernels-native', flags: ['-O3', '-march=native'] },
] as const;

/**
 * How far the SSE4.1 build's value may be from the simdloss raw kernel's (relative) before bench/run.ts says the C
 * file no longer mirrors the kernels. The C code repeats every float32 step of the wasm kernels in the same order
 * (one wasm SIMD instruction, one SSE4.1 intrinsic), so the float32 terms and the float64 partial sums are
 * bit-identical; the only other float64 step is CrossEntropy's log of s (per row, or per 64 rows), fdlibm's in C
 * and AssemblyScript's Math.log (musl's table log) in the wasm, both < 1 ulp, which can move the mean by a few
 * float64 ulps at most. Measured: bit-equal on every bench shape. A change to a float32 step moves the value by
 * far more: FMA contraction alone (the native build) moves it by 4e-12 … 6e-10 on the bench's shapes.
 */
export const C_KERNEL_AGREEMENT = 1e-14;

/** Compiles both builds of scripts/bench-c-kernels.c; the error when gcc fails. */
export function buildCKernels(): string | null {
  try {
    mkdirSync('.cache', { recursive: true });
    for (const b of C_KERNEL_BUILDS) {
      execFileSync('gcc', [...b.flags, '-o', b.binary, 'scripts/bench-c-kernels.c'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }
    return null;
  } catch (err) {
    return `gcc failed on scripts/bench-c-kernels.c: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

/** Runs one build of the C kernel references on a float32 BCE or CrossEntropy case. */
export function runCKernel(binary: string, c: Case, dir: string, schedule: Schedule): { value: number } & Timing {
  const f = filesOf(dir, c);
  const stdout = execFileSync(
    binary,
    [
      c.loss === 'ce' ? 'ce' : 'bce',
      f.x,
      f.y,
      String(c.elements),
      String(c.sets),
      String(c.batch),
      String(schedule.timeMs),
      String(schedule.minSamples),
      ...(c.loss === 'ce' ? [String(c.rows), String(c.classes)] : []),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(stdout) as { value: number } & Timing;
}

export const PLAIN_WORKER = '.cache/plain-worker.mjs';

/** Bundles bench/plain-worker.ts once. */
export async function buildPlainWorker(): Promise<void> {
  await build({
    entryPoints: ['bench/plain-worker.ts'],
    outfile: PLAIN_WORKER,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
  });
}

/** Times the plain loop of one case in a fresh node process (checked against `expect` before it is timed). */
export function runPlain(
  c: Case,
  dir: string,
  schedule: Schedule,
  expect: Expectation,
): { value: number; mismatch: string | null } & Partial<Timing> {
  const stdout = execFileSync(
    process.execPath,
    [PLAIN_WORKER, JSON.stringify(c), dir, JSON.stringify(schedule), JSON.stringify(expect)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as { value: number; mismatch: string | null } & Partial<Timing>;
}
