// The build: every asc target of asconfig.json, then the generators (GENERATORS below), then tsc. Each step runs
// only when its inputs changed since it last succeeded (a SHA-256 of the input files' contents and the tool's
// version, kept in .cache/build/<step>.sha256) or when one of its outputs is missing. A step that runs prints one
// line ("wasm release: 3.1 s"); its tools' own output (binaryen's "Last converge was suboptimal.", tsc's silence)
// is shown only when the step fails, then in full. Nothing printed means everything was up to date.
//
//   node scripts/build.mjs            what `npm run build`, `npm start`, `npm test`, `npm run bench` run
//   node scripts/build.mjs --force    rebuild every step
//   node scripts/build.mjs --verbose  also print each step's own output, and the steps that were up to date
//
// asc targets: asconfig.json's `targets`, in order. A target's entry files are its own `"entry"` (a string or an
// array; a field of ours, which asc ignores, passed to asc on its command line) or else the top-level `"entries"`
// (which asc reads itself). asc appends the top-level `"entries"` to every target's, so a config that gives
// targets their own `"entry"` must not have top-level `"entries"`; this script refuses such a config.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, '.cache', 'build');

/**
 * Generators run after the wasm and before tsc, in this order. `script` is run with node and is an input itself;
 * `inputs` are files or directories (every file under them, recursively); `outputs` are the files it writes.
 */
const GENERATORS = [
  {
    name: 'embed-wasm',
    script: 'scripts/embed-wasm.mjs',
    inputs: ['build/simdloss.wasm'],
    outputs: ['src/wasm/binary.generated.ts'],
  },
  {
    name: 'gen-abi',
    script: 'scripts/gen-abi.mjs',
    inputs: ['build/simdloss.d.ts'],
    outputs: ['src/wasm/abi.generated.ts'],
  },
];

const { values: flags } = parseArgs({
  options: {
    force: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log('usage: node scripts/build.mjs [--force] [--verbose]');
  process.exit(0);
}

const version = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

/** Every file under each of `paths` (files or directories), relative to the root, sorted. */
function listFiles(paths) {
  const out = [];
  const walk = (abs) => {
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const name of readdirSync(abs)) walk(join(abs, name));
    else out.push(relative(ROOT, abs));
  };
  for (const p of paths) walk(resolve(ROOT, p));
  return [...new Set(out)].sort();
}

/** SHA-256 over the step's identity (command line, tool versions) and the names and contents of its input files. */
function hashInputs(step) {
  const h = createHash('sha256');
  h.update(JSON.stringify({ command: step.command, versions: step.versions ?? {} }));
  for (const file of listFiles(step.inputs)) {
    h.update(`\0${file}\0`);
    h.update(readFileSync(join(ROOT, file)));
  }
  return h.digest('hex');
}

const stampFile = (step) => join(CACHE, `${step.id}.sha256`);

/** Runs `command` (argv, the first element a node script) with node; resolves to its exit code and output. */
function runNode(command) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, command, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolvePromise({ code: -1, output: `${output}${err.stack ?? err}` }));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? -1, signal, output }));
  });
}

class StepFailed extends Error {}

/** Runs `step` unless its stamp matches its inputs and its outputs exist. */
async function runStep(step) {
  const hash = hashInputs(step);
  const stamp = stampFile(step);
  const upToDate =
    !flags.force &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === hash &&
    step.outputs.every((f) => existsSync(join(ROOT, f)));
  if (upToDate) {
    if (flags.verbose) console.error(`${step.label}: up to date`);
    return;
  }
  rmSync(stamp, { force: true });
  step.before?.();
  const t0 = performance.now();
  const { code, signal, output } = await runNode(step.command);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (code !== 0) {
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    console.error(
      `${step.label}: FAILED after ${seconds} s (${how})\n$ node ${step.command.join(' ')}\n${output.trimEnd()}`,
    );
    throw new StepFailed(step.label);
  }
  const missing = step.outputs.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length > 0) {
    console.error(`${step.label}: FAILED: succeeded but did not write ${missing.join(', ')}\n${output.trimEnd()}`);
    throw new StepFailed(step.label);
  }
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(stamp, `${hash}\n`);
  console.error(`${step.label}: ${seconds} s`);
  if (flags.verbose && output.trim()) console.error(output.trimEnd().replace(/^/gm, '  '));
}

/** Runs `steps` with at most `jobs` at a time; waits for all, then rethrows the first failure. */
async function runAll(steps, jobs) {
  const queue = [...steps];
  const failures = [];
  const worker = async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      try {
        await runStep(step);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, steps.length)) }, worker));
  if (failures.length > 0) throw failures[0];
}

// ---------------------------------------------------------------------------------------------------------------
// The steps.

/** One step per asc target of asconfig.json. */
function ascSteps() {
  const config = JSON.parse(readFileSync(join(ROOT, 'asconfig.json'), 'utf8'));
  const targets = Object.entries(config.targets ?? {});
  if (targets.length === 0) throw new Error('asconfig.json has no targets');
  const shared = config.options ?? {};
  const asc = join('node_modules', 'assemblyscript', 'bin', 'asc.js');
  return targets.map(([name, target]) => {
    const own = target.entry === undefined ? [] : [target.entry].flat();
    if (own.length > 0 && config.entries?.length) {
      throw new Error(
        `asconfig.json: target "${name}" has its own "entry" but the top-level "entries" is also set, and asc would ` +
          'compile both: drop the top-level "entries" (give every target its "entry")',
      );
    }
    if (own.length === 0 && !config.entries?.length) {
      throw new Error(`asconfig.json: target "${name}" has no "entry" and there is no top-level "entries"`);
    }
    const options = { ...shared, ...target };
    const outputs = [];
    if (options.outFile) outputs.push(options.outFile);
    if (options.textFile) outputs.push(options.textFile);
    if (options.outFile && options.sourceMap) outputs.push(`${options.outFile}.map`);
    if (options.outFile && options.bindings?.length) {
      const base = options.outFile.replace(/\.wasm$/, '');
      outputs.push(`${base}.js`, `${base}.d.ts`);
    }
    return {
      id: `asc-${name}`,
      label: `wasm ${name}`,
      command: [asc, ...own, '--config', 'asconfig.json', '--target', name],
      versions: { assemblyscript: version('assemblyscript') },
      inputs: ['assembly', 'asconfig.json'],
      outputs,
    };
  });
}

function generatorSteps() {
  return GENERATORS.map((g) => ({
    id: `gen-${g.name}`,
    label: g.name,
    command: [g.script],
    inputs: [g.script, ...g.inputs],
    outputs: g.outputs,
  }));
}

function tscStep() {
  return {
    id: 'tsc',
    label: 'tsc',
    command: [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    versions: { typescript: version('typescript') },
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json'],
    outputs: ['dist/index.js', 'dist/index.d.ts', 'dist/index.workerd.js'],
    // tsc never deletes what a removed source file compiled to; dist/ is what gets packed, so start empty.
    before: () => rmSync(join(ROOT, 'dist'), { recursive: true, force: true }),
  };
}

try {
  // asc targets are independent and binaryen is single-threaded: run them side by side.
  await runAll(ascSteps(), availableParallelism());
  await runAll(generatorSteps(), 1);
  await runAll([tscStep()], 1);
} catch (err) {
  if (!(err instanceof StepFailed)) console.error(`build: ${err.message}`);
  process.exit(1);
}
