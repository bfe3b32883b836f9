// workerd from its npm package. The conformance Worker imports the package through its `workerd` condition (the
// wasm arrives as a module; workerd refuses to compile bytes) and runs under `workerd test`, then is served on
// 127.0.0.1 and asked over HTTP. The example Worker (examples/worker) is served from its wrangler.json.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, tensor } from '../../src/index.js';
import type { CaseOutcome, FixtureCase } from './conformance.js';
import { diffOutcomes } from './conformance.js';
import { bundle, reference, ROOT, run, runtimeBinary, stop, wasmModulePlugin, workDir } from './harness.js';

const CONFIG = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "conformance", worker = .conformance) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "conformance") ],
);

const conformance :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "simdloss.wasm", wasm = embed "simdloss.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
`;

let data: { cases: FixtureCase[]; node: CaseOutcome[] };
let config: string;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  data = reference();
  const dir = workDir('workerd');
  await bundle('test/runtimes/drivers/workerd.ts', join(dir, 'worker.js'), data, {
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    plugins: [wasmModulePlugin],
  });
  copyFileSync(join(ROOT, 'build/simdloss.wasm'), join(dir, 'simdloss.wasm'));
  config = join(dir, 'config.capnp');
  writeFileSync(config, CONFIG);
});

afterAll(async () => {
  await Promise.all(servers.map(stop));
});

/** Starts `workerd serve` on an ephemeral port (read from its control fd); it is killed after 60 s regardless. */
async function serve(configFile: string): Promise<string> {
  const child = spawn(
    runtimeBinary('workerd'),
    ['serve', configFile, '--control-fd=3', '--socket-addr=http=127.0.0.1:0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    },
  );
  servers.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workerd did not listen within 20 s: ${stderr}`)), 20_000);
    let control = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      control += d;
      const m = /"event":"listen","socket":"http","port":(\d+)/.exec(control);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`workerd exited (${code}): ${stderr}`)));
  });
  return `http://127.0.0.1:${port}`;
}

describe('workerd', () => {
  it('gets the package through its `workerd` condition: the wasm as a module import, no inlined binary', () => {
    const worker = readFileSync(join(workDir('workerd'), 'worker.js'), 'utf8');
    expect(worker).toMatch(/^import \w+ from "simdloss\.wasm";$/m);
    expect(worker).not.toContain('WASM_BASE64');
  });

  it('passes the conformance sample under `workerd test`, starting without init()', async () => {
    const result = await run(runtimeBinary('workerd'), ['test', config], { timeoutMs: 60_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/\[ PASS \]|passed/i);
    console.log(`workerd test: ${data.cases.length} cases in ${result.ms.toFixed(0)} ms`);
  });

  it('answers the same outcomes over HTTP as Node computes', async () => {
    const origin = await serve(config);
    const response = await fetch(origin);
    expect(response.status).toBe(200);
    const { outcomes } = (await response.json()) as { outcomes: CaseOutcome[] };
    expect(diffOutcomes(outcomes, data.node)).toEqual([]);
  });

  it('serves the example Worker (examples/worker/wrangler.json), scoring a batch as Node does', async () => {
    const origin = await serve(join(ROOT, 'examples/worker/wrangler.json'));
    const batch = {
      predictions: [
        [0.5, 1.5, -2],
        [2, 3, 0.25],
      ],
      targets: [
        [1, 1, -1],
        [2, 2, 0],
      ],
    };
    const response = await fetch(origin, {
      method: 'POST',
      body: JSON.stringify(batch),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    const input = tensor(batch.predictions, { dtype: 'float64' });
    const target = tensor(batch.targets, { dtype: 'float64' });
    expect(await response.json()).toEqual({
      n: 2,
      mse: F.mseLoss(input, target),
      l1: F.l1Loss(input, target),
      smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
    });
  });
});
