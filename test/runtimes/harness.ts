// Shared plumbing for the runtime tests: the sampled cases and Node's reference outcomes, the runtime binaries
// from node_modules, bounded child processes, esbuild bundles and a static server on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Plugin } from 'esbuild';
import * as lib from '../../src/index.js';
import type { CaseOutcome, FixtureCase, LibraryUnderTest } from './conformance.js';
import { runConformance } from './conformance.js';
import { loadFixtureCases, sampleCases } from './sample.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where bundles and configs go: inside the package (under .cache/, ignored by git) so that `import 'simdloss'`
 * in a bundle resolves, as in a user's project, through the package's own `exports`.
 */
export function workDir(runtime: string): string {
  const dir = join(ROOT, '.cache', 'runtimes', runtime);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Whether the library exports both APIs of a fixture case's loss (losses land one by one). */
export function implemented(c: FixtureCase): boolean {
  return c.fn in lib.F && c.cls in lib.nn;
}

/**
 * The sampled fixture cases of the losses the library implements, and Node's outcomes for them: what every other
 * runtime must reproduce bit for bit. Throws when there is nothing to compare, so no runtime test passes empty.
 */
export function reference(): { cases: FixtureCase[]; node: CaseOutcome[] } {
  const cases = sampleCases(loadFixtureCases()).filter(implemented);
  if (cases.length === 0) throw new Error('no fixture cases of an implemented loss under test/fixtures');
  return { cases, node: runConformance(lib as unknown as LibraryUnderTest, cases) };
}

const BIN = join(ROOT, 'node_modules', '.bin');

function isNativeExecutable(path: string): boolean {
  const head = readFileSync(path).subarray(0, 4);
  return head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46; // ELF
}

/** The npm package providing each binary; its install.js puts the native binary in place. */
const PACKAGES = { bun: 'bun', deno: 'deno', workerd: 'workerd' } as const;

/**
 * The path of a runtime binary installed from npm (`bun`, `deno`, `workerd`). Throws, rather than skipping, when it
 * is missing. Until their postinstall scripts run, Bun's package ships a placeholder that only prints an error and
 * workerd's a Node wrapper (which starts the real binary without passing extra file descriptors, so `--control-fd`
 * fails). npm 11 may hold those scripts back, so they are run here when needed: each only copies the native binary
 * in from the platform package (@oven/bun-*, @cloudflare/workerd-*) that npm installed. Deno's Node wrapper passes
 * stdio through and needs nothing.
 */
export function runtimeBinary(name: 'bun' | 'deno' | 'workerd'): string {
  const path = join(BIN, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} is not installed at ${path}: run \`npm ci\` (it is a devDependency)`);
  }
  if (name !== 'deno' && !isNativeExecutable(path)) {
    const cwd = join(ROOT, 'node_modules', PACKAGES[name]);
    const r = spawnSync(process.execPath, ['install.js'], { cwd, encoding: 'utf8' });
    // Test files run in parallel: another one may be running the same script; give it a moment to finish.
    if (!isNativeExecutable(path)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
    if (!isNativeExecutable(path)) {
      throw new Error(`${name}'s install script (${cwd}/install.js) failed (${r.status}): ${r.stderr}`);
    }
  }
  return path;
}

/** What a finished child process printed. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion, killing it after `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const { timeoutMs = 60_000, ...spawnOptions } = options;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d));
    child.stderr?.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Stops a long-running child (a server) and waits until it has exited. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The last line of `stdout` parsed as JSON (drivers print their report last). */
export function lastJsonLine<T>(result: RunResult): T {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`no JSON report (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** Keeps `.wasm` imports as module imports named `simdloss.wasm`, as wrangler does for workerd. */
export const wasmModulePlugin: Plugin = {
  name: 'wasm-module',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, () => ({ path: 'simdloss.wasm', external: true }));
  },
};

/** Bundles `entry` to `outfile` with the sampled cases and Node's outcomes compiled in as `__CASES__`/`__EXPECTED__`. */
export async function bundle(
  entry: string,
  outfile: string,
  data: { cases: FixtureCase[]; node: CaseOutcome[] },
  options: BuildOptions = {},
): Promise<void> {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
    define: { __CASES__: JSON.stringify(data.cases), __EXPECTED__: JSON.stringify(data.node) },
    ...options,
  });
}

/** A route of the static server: the body, or a function of the request URL giving it. */
export interface Route {
  type: string;
  body: string | Uint8Array;
}

/** Serves fixed routes on 127.0.0.1 (ephemeral port); counts the requests per path. */
export async function serveStatic(routes: Record<string, Route>): Promise<{
  origin: string;
  hits: Map<string, number>;
  close: () => Promise<void>;
}> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
