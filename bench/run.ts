// `npm run bench [-- --quick] [-- --only=mse,ce] [-- --merge] [-- --report-only]`: simdloss beside everything a user
// could pick instead, on the same data in one run (issues 3, 9 and 10). Writes bench/results/<date>.json,
// bench/results/<date>.svg and bench/RESULTS.md.
//
// --only runs the cases whose id starts with one of the prefixes and writes .cache/bench-partial.json only;
// with --merge it replaces just those cases' rows in today's results instead (re-measuring one loss without a
// full run), recording that in the notes.
//
// Per case: the inputs are generated once and written to .cache/bench-data (PyTorch, C and the plain-loop
// workers read the same bytes); PyTorch runs first and gives the reference value; every other implementation of
// the case (bench/lib/results.ts competitorsOf) is checked against it before it is timed, under one schedule
// (bench/lib/timing.ts). A competitor that fails is recorded as an error row; the run goes on.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type, release } from 'node:os';
import * as simdloss from 'simdloss';
import * as scalarApi from '../src/api.js';
import { ALL_SERIES, allCases, makeCase } from './lib/cases.js';
import type { Case } from './lib/cases.js';
import type { Expectation } from './lib/check.js';
import { mismatch, toleranceFor } from './lib/check.js';
import { generate, readCase, writeCase } from './lib/data.js';
import {
  buildC,
  buildCKernels,
  buildPlainWorker,
  C_KERNEL_BUILDS,
  runC,
  runCKernel,
  C_KERNEL_AGREEMENT,
  runPlain,
  runTorch,
  TORCH_MALLOC_NOTE,
} from './lib/external.js';
import type { TorchRun } from './lib/external.js';
import type { Impl } from './lib/impl.js';
import { writeReport } from './lib/report.js';
import { competitorsOf, IMPLS } from './lib/results.js';
import type { ImplName, Results, Row } from './lib/results.js';
import { endToEnd, packageCopy, rawKernel, resident } from './lib/simdloss.js';
import type { SimdlossApi } from './lib/simdloss.js';
import { tfjsImpl, useBackend } from './lib/tfjs.js';
import { FULL, QUICK, timeCalls } from './lib/timing.js';
import { relError, truthOfCase } from './lib/truth.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const merge = args.includes('--merge');
const schedule = quick ? QUICK : FULL;
const DATA = '.cache/bench-data';
const log = (s: string): void => void process.stderr.write(`${s}\n`);

// --report-only: re-render RESULTS.md and the chart from today's (or the newest) JSON, measuring nothing.
if (args.includes('--report-only')) {
  const dir = 'bench/results';
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .pop();
  if (!newest) throw new Error('bench: no results to report; run `npm run bench` first');
  log(`wrote ${(await writeReport(JSON.parse(readFileSync(`${dir}/${newest}`, 'utf8')) as Results)).join(', ')}`);
  process.exit(0);
}

// The commit measured, taken before anything runs (the tree may change while a long run goes on).
const commit = commitOf();
const cases = allCases(quick).filter((c) => !only || only.some((o) => c.id.startsWith(o)));
const notes: string[] = [];
const rows: Row[] = [];
const truth: Record<string, number> = {};

// 1. Inputs and the float64 truth.
log(`simdloss bench: ${cases.length} cases${quick ? ' (--quick)' : ''}`);
rmSync(DATA, { recursive: true, force: true });
for (const c of cases) {
  const d = generate(c);
  writeCase(DATA, c, d);
  truth[c.id] = truthOfCase(c, d);
}

// 2. PyTorch, the reference every other implementation is checked against.
log('PyTorch (1 and 2 threads)…');
const torchRun = attempt(() => runTorch(cases, DATA, schedule, [1, 2]));
const torch =
  torchRun instanceof Error
    ? ({ cases: {}, skipped: `scripts/bench-torch.py failed: ${torchRun.message}` } as TorchRun)
    : torchRun;
if (torch.skipped)
  notes.push(`PyTorch skipped: ${torch.skipped}; implementations are checked against the float64 truth instead.`);
else
  notes.push(
    `PyTorch ran with glibc malloc tuned so that its temporaries reuse heap memory instead of faulting in fresh ` +
      `mmap pages on every call (DESIGN.md §4, "PyTorch at its best"): ${TORCH_MALLOC_NOTE}.`,
  );

// 3. The C reference and the plain-loop worker.
const gcc = buildC();
if (gcc.error) notes.push(`C reference skipped: ${gcc.error}`);
const cKernels = gcc.version ? buildCKernels() : 'no gcc';
if (cKernels) notes.push(`C kernel references skipped: ${cKernels}`);
await buildPlainWorker();

// 4. In-process implementations.
await scalarApi.init(readFileSync('build/simdloss.scalar.wasm'));
const api = simdloss as unknown as SimdlossApi;
const residentApi = await packageCopy();
const inProcess: Array<{ impl: Impl; name: ImplName; backend?: 'cpu' | 'wasm' }> = [
  { impl: endToEnd('simdloss', api), name: 'simdloss' },
  { impl: resident('simdloss resident', residentApi), name: 'simdloss resident' },
  { impl: rawKernel('simdloss kernel', 'build/simdloss.wasm'), name: 'simdloss kernel' },
  { impl: endToEnd('simdloss scalar', scalarApi as unknown as SimdlossApi), name: 'simdloss scalar' },
  { impl: rawKernel('simdloss scalar kernel', 'build/simdloss.scalar.wasm'), name: 'simdloss scalar kernel' },
  { impl: tfjsImpl('cpu'), name: 'tfjs-cpu', backend: 'cpu' },
  { impl: tfjsImpl('wasm'), name: 'tfjs-wasm', backend: 'wasm' },
];
const backendOk: Record<string, boolean> = {};
for (const b of ['cpu', 'wasm'] as const) {
  backendOk[b] = await useBackend(b);
  if (!backendOk[b]) notes.push(`tfjs ${b} backend did not start; skipped.`);
}

// Warm-up, untimed: every in-process implementation runs small MSE, BCE and CrossEntropy calls for a while before
// the first case, so no case pays for the engine's first compilations. V8 compiles wasm lazily and tiers it up on
// background threads; on a loaded 2-vCPU machine that took long enough for the first case timed (MSE at 10^3) to
// measure the unoptimised code (200 ns/element instead of ~1).
{
  const warm = [makeCase('mse', 'float32', 1e4), makeCase('bce', 'float32', 1e4), makeCase('ce', 'float32', 1e4, 10)];
  for (const { impl, backend } of inProcess) {
    if (backend && !backendOk[backend]) continue;
    if (backend) await useBackend(backend);
    for (const w of warm) {
      const c = { ...w!, id: `warmup-${w!.id}` };
      const p = attempt(() => impl.prepare(c, generate(c)));
      if (p instanceof Error || typeof p === 'string') continue;
      const end = performance.now() + 150;
      for (let i = 0; performance.now() < end; i++) attempt(() => p.call(i % c.sets));
      p.dispose?.();
    }
  }
}

/** The commit measured: `git rev-parse --short HEAD`, '+dirty' when tracked files (but the bench's outputs) differ. */
function commitOf(): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // The bench's own outputs (bench/RESULTS.md, bench/results/) do not make the measured code dirty.
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/RESULTS.md', ':!bench/results'],
      { encoding: 'utf8' },
    ).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
}

/** Runs `f`, turning a throw (a crashed child process, say) into an Error value so one case cannot end the run. */
function attempt<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (err) {
    return err instanceof Error ? new Error(err.message.split('\n')[0]) : new Error(String(err));
  }
}

const base = (c: Case): Omit<Row, 'impl' | 'status'> => ({
  case: c.id,
  series: c.series,
  loss: c.loss,
  dtype: c.dtype,
  n: c.n,
  elements: c.elements,
});
const withValue = (c: Case, row: Row): Row => {
  if (row.value !== undefined) row.relError = relError(row.value, truth[c.id]);
  rows.push(row);
  return row;
};

/** One row from a competitor's outcome: checked against `ref` (value, and Σ g·x for backward cases), then timed. */
function outcome(
  c: Case,
  impl: ImplName,
  ref: Expectation,
  r: { value: number; gradDot?: number; timing?: () => Partial<Row> } | Error,
): Row {
  if (r instanceof Error) return withValue(c, { ...base(c), impl, status: 'error', note: r.message });
  let bad = mismatch(r.value, ref);
  const t = torch.cases[c.id];
  if (!bad && c.loss === 'ceBackward') {
    bad =
      r.gradDot === undefined || t?.gradDot === undefined
        ? 'no gradient checksum to compare'
        : mismatch(r.gradDot, { value: t.gradDot, source: 'PyTorch Σ grad·x', tolerance: ref.tolerance });
    if (bad) bad = `gradient: ${bad}`;
  }
  if (bad) return withValue(c, { ...base(c), impl, status: 'mismatch', value: r.value, note: bad });
  const timed = attempt(() => r.timing?.() ?? {});
  if (timed instanceof Error) {
    return withValue(c, { ...base(c), impl, status: 'error', value: r.value, note: timed.message });
  }
  return withValue(c, { ...base(c), impl, status: 'ok', value: r.value, gradDot: r.gradDot, ...timed });
}

const drifted: string[] = [];
for (const c of cases) {
  const t = torch.cases[c.id];
  const mine = new Set(competitorsOf(c));
  const ref = (impl: string): Expectation =>
    t
      ? { value: t.value, source: 'PyTorch', tolerance: toleranceFor(impl, c.dtype) }
      : { value: truth[c.id], source: 'float64 truth', tolerance: toleranceFor(impl, c.dtype) };
  const line: string[] = [];
  const say = (row: Row): void => {
    line.push(`${row.impl} ${row.status === 'ok' ? row.nsPerElement!.toFixed(3) : row.status}`);
  };

  for (const th of ['1', '2'] as const) {
    const name = `PyTorch ${th}T` as ImplName;
    if (!mine.has(name)) continue;
    if (!t?.threads[th]) {
      withValue(c, { ...base(c), impl: name, status: 'skipped', note: torch.skipped });
      continue;
    }
    say(withValue(c, { ...base(c), impl: name, status: 'ok', value: t.value, gradDot: t.gradDot, ...t.threads[th] }));
  }

  if (mine.has('C AVX2 MSE') && gcc.version) {
    const r = attempt(() => runC(c, DATA, schedule));
    say(
      outcome(c, 'C AVX2 MSE', ref('C'), r instanceof Error ? r : { value: r.mse.value, timing: () => ({ ...r.mse }) }),
    );
    if (!(r instanceof Error)) {
      say(withValue(c, { ...base(c), impl: 'C read floor', status: 'ok', ...r.read }));
    }
  }

  if (!cKernels) {
    for (const b of C_KERNEL_BUILDS) {
      if (!mine.has(b.impl)) continue;
      const r = attempt(() => runCKernel(b.binary, c, DATA, schedule));
      say(outcome(c, b.impl, ref('C'), r instanceof Error ? r : { value: r.value, timing: () => ({ ...r }) }));
    }
  }

  if (mine.has('plain TS')) {
    const p = attempt(() => runPlain(c, DATA, schedule, ref('plain TS')));
    say(
      p instanceof Error
        ? withValue(c, { ...base(c), impl: 'plain TS', status: 'error', note: p.message })
        : p.mismatch
          ? withValue(c, { ...base(c), impl: 'plain TS', status: 'mismatch', value: p.value, note: p.mismatch })
          : withValue(c, {
              ...base(c),
              impl: 'plain TS',
              status: 'ok',
              value: p.value,
              nsPerElement: p.nsPerElement,
              samples: p.samples,
              rme: p.rme,
            }),
    );
  }

  const d = readCase(DATA, c);
  for (const { impl, name, backend } of inProcess) {
    if (!mine.has(name)) continue;
    if (backend) {
      if (!backendOk[backend]) continue;
      await useBackend(backend);
    }
    const prepared = attempt(() => impl.prepare(c, d));
    if (prepared instanceof Error) {
      say(withValue(c, { ...base(c), impl: name, status: 'error', note: prepared.message }));
      continue;
    }
    if (typeof prepared === 'string') {
      withValue(c, { ...base(c), impl: name, status: 'skipped', note: prepared });
      continue;
    }
    try {
      const first = attempt(() => ({ value: prepared.call(0), gradDot: prepared.gradDot?.(0) }));
      say(
        outcome(
          c,
          name,
          ref(name),
          first instanceof Error ? first : { ...first, timing: () => timeCalls(c, schedule, prepared.call) },
        ),
      );
    } finally {
      prepared.dispose?.();
    }
  }
  // scripts/bench-c-kernels.c mirrors the kernels' algorithm at some commit; when a kernel changes (another
  // polynomial, float32 lanes), its values drift apart from the C reference's, and the comparison is no longer
  // like for like: say so rather than compare silently.
  const kernelValue = rows.find((r) => r.case === c.id && r.impl === 'simdloss kernel' && r.status === 'ok')?.value;
  const cValue = rows.find((r) => r.case === c.id && r.impl === 'C kernel SSE4.1' && r.status === 'ok')?.value;
  if (
    kernelValue !== undefined &&
    cValue !== undefined &&
    Math.abs(kernelValue - cValue) > C_KERNEL_AGREEMENT * Math.abs(cValue)
  ) {
    drifted.push(`${c.id} (relative ${(Math.abs(kernelValue - cValue) / Math.abs(cValue)).toExponential(1)})`);
  }
  log(`${c.id}: ${line.join(', ')}`);
}
if (drifted.length) {
  notes.push(
    `The C kernel references (scripts/bench-c-kernels.c) and the simdloss raw kernels differ by more than ${C_KERNEL_AGREEMENT} ` +
      `relative on ${drifted.join(', ')}: the C code no longer mirrors the kernels' algorithm at this commit, so ` +
      `the "within 1.3× of the SSE4.1 build" comparison is not like for like until it is updated.`,
  );
} else if (!cKernels) {
  notes.push(
    `The C kernel references agree with the simdloss raw kernels to ${C_KERNEL_AGREEMENT} relative on every BCE ` +
      'and CE case (SSE4.1 build; the same float32 steps in the same order, bit-identical but for the float64 log ' +
      'of the CE loss; the native build differs in the last float32 bits through FMA contraction).',
  );
}

// 5. Report.
const cpu = cpus();
const cpuinfo = attempt(() => readFileSync('/proc/cpuinfo', 'utf8'));
const cpuModel = cpuinfo instanceof Error ? undefined : /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1];
const flags = cpuinfo instanceof Error ? [] : (/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1].split(' ') ?? []);
const results: Results = {
  info: {
    date: new Date().toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    quick,
    machine: {
      cpu: cpuModel ?? cpu[0]?.model ?? 'unknown',
      isa: ['avx512f', 'avx2', 'fma', 'sse4_1'].filter((f) => flags.includes(f)).join(' ') || undefined,
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
    },
    node: process.version,
    v8: process.versions.v8,
    torch: torch.version ?? null,
    gcc: gcc.version,
    commit,
    schedule,
    notes,
    truth,
  },
  rows,
};
const previous = `bench/results/${results.info.date.slice(0, 10)}.json`;
if (merge && existsSync(previous)) {
  const old = JSON.parse(readFileSync(previous, 'utf8')) as Results;
  const rerun = new Set(cases.map((c) => c.id));
  results.rows = [...old.rows.filter((r) => !rerun.has(r.case)), ...rows];
  results.info = {
    ...old.info,
    truth: { ...old.info.truth, ...truth },
    notes: [
      ...old.info.notes.filter((n) => !notes.includes(n)),
      ...notes,
      `${[...rerun].join(', ')} re-measured by \`${results.info.command}\` at ${results.info.date}.`,
    ],
  };
}
const rank = (r: Row): number[] => [
  r.dtype === 'float32' ? 0 : 1,
  ALL_SERIES.indexOf(r.series),
  r.n,
  IMPLS.indexOf(r.impl),
];
results.rows.sort((a, b) => {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
  return 0;
});
if (only && !merge) {
  // A partial run must not replace the day's committed results: it goes to .cache for a look.
  writeFileSync('.cache/bench-partial.json', `${JSON.stringify(results, null, 1)}\n`);
  log('partial run (--only without --merge): wrote .cache/bench-partial.json; bench/results and RESULTS.md untouched');
} else {
  const written = await writeReport(results);
  log(`wrote ${written.join(', ')}`);
}
rmSync(DATA, { recursive: true, force: true });
