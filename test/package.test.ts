// The package as npm packs it (from dist/ and build/, which `npm test`'s pretest has just built): what the tarball
// contains, publint and arethetypeswrong on it, an install into a fresh project (no install scripts; `import` and
// `require` both load it), and the size budget in size-budget.json: the packed and unpacked tarball and the
// minified + gzipped browser bundle of the default entry.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** size-budget.json: the largest sizes, in bytes, that the package may reach. */
interface Budget {
  packedBytes: number;
  unpackedBytes: number;
  bundleMinGzipBytes: number;
}
const budget = JSON.parse(readFileSync(join(ROOT, 'size-budget.json'), 'utf8')) as Budget;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

/** Runs a command; `out` is stdout and stderr together, `stdout` stdout alone. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, stdout });
    });
  });
}

let dir: string;
let tarball: string;
let packed: Packed;
let project: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'simdloss-package-'));
  // --ignore-scripts: prepack would run scripts/build.mjs, which pretest has already run.
  const r = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  expect(r.code, r.out).toBe(0);
  packed = (JSON.parse(r.stdout) as Packed[])[0];
  tarball = join(dir, packed.filename);
  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built JS and .d.ts, the SIMD wasm and its declaration, LICENSE; no sources, maps or scalar build', () => {
    const paths = packed.files.map((f) => f.path).sort();
    const allowed =
      /^(LICENSE|README\.md|package\.json|build\/simdloss\.wasm|types\/simdloss\.wasm\.d\.ts|dist\/.+\.(js|d\.ts))$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    for (const p of [
      'LICENSE',
      'build/simdloss.wasm',
      'types/simdloss.wasm.d.ts',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.workerd.js',
    ]) {
      expect(paths).toContain(p);
    }
    // The base64 binary is declared as `string`, not as a 90 kB literal type.
    expect(packed.files.find((f) => f.path === 'dist/wasm/binary.generated.d.ts')?.size).toBeLessThan(1000);
  });

  it('has no install scripts (the build runs on prepack and, in the repository, on postprepare)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(Object.keys(manifest.scripts).filter((s) => /^(pre|post)?install$|^prepare$/.test(s))).toEqual([]);
  });

  it('passes publint (strict, suggestions included)', async () => {
    const tar = readFileSync(tarball);
    const { messages, pkg } = await publint({
      pack: { tarball: tar.buffer.slice(tar.byteOffset, tar.byteOffset + tar.byteLength) as ArrayBuffer },
      level: 'suggestion',
      strict: true,
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  });

  it('passes arethetypeswrong with the esm-only profile', async () => {
    const attw = join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
    const r = await run(
      process.execPath,
      [attw, tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'],
      ROOT,
    );
    expect(r.code, r.out).toBe(0);
  });

  it('installs into a fresh project without an install-script warning, and loads with import and require', async () => {
    const install = await run(NPM, ['install', '--no-audit', '--no-fund', tarball], project);
    expect(install.code, install.out).toBe(0);
    expect(install.out).not.toMatch(/install.scripts?/i);
    const expected = String(Math.fround(2 / 3)); // 0.6666666865348816
    const esm = await run(
      process.execPath,
      ['-e', "import('simdloss').then(m => console.log(m.F.mseLoss([1,2,3],[2,2,4])))"],
      project,
    );
    expect(esm.stdout.trim(), esm.out).toBe(expected);
    // require(esm): Node >= 20.19, which package.json's engines asks for.
    const cjs = await run(
      process.execPath,
      ['-e', "console.log(require('simdloss').F.mseLoss([1,2,3],[2,2,4]))"],
      project,
    );
    expect(cjs.stdout.trim(), cjs.out).toBe(expected);
  });

  it('type-checks consumers: `using t = alloc(…)`, gradients, strict options; and a lib without Symbol.dispose', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // The reported TS2850: `using` on an alloc() tensor must type-check against the published declarations.
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { alloc, F, nn, valueAndGrad } from 'simdloss';",
        'export function step(): number {',
        '  using t = alloc([3]);',
        '  t.data.set([1, 2, 3]);',
        '  const m = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });',
        '  const loss: number = m.forward([[0.5, 0.2, 0.3]], [1]);',
        '  const [dx] = m.backward();',
        '  const { value, grads } = valueAndGrad(F.mseLoss)(t, [1, 2, 4]);',
        '  return loss + value + (dx?.numel() ?? 0) + grads.length;',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'plain.ts'),
      "import { F } from 'simdloss';\nexport const v: number = F.mseLoss([1, 2], [0, 0]);\n",
    );
    // The declarations name WebAssembly, Response and URL: a consumer needs the DOM lib or @types/node.
    const config = (lib: string[], file: string): string =>
      JSON.stringify({
        compilerOptions: {
          noEmit: true,
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib,
          types: [],
        },
        files: [file],
      });
    writeFileSync(join(project, 'tsconfig.using.json'), config(['es2022', 'esnext.disposable', 'dom'], 'consumer.ts'));
    writeFileSync(join(project, 'tsconfig.old.json'), config(['es2022', 'dom'], 'plain.ts'));
    const withUsing = await run(process.execPath, [tsc, '-p', 'tsconfig.using.json'], project);
    expect(withUsing.code, withUsing.out).toBe(0);
    // A project whose lib predates Symbol.dispose still compiles against the declarations (skipLibCheck off).
    const oldLib = await run(process.execPath, [tsc, '-p', 'tsconfig.old.json'], project);
    expect(oldLib.code, oldLib.out).toBe(0);
  });
});

describe('size budget (size-budget.json)', () => {
  it('keeps the tarball within budget', () => {
    console.log(`npm pack: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files`);
    expect(packed.size, 'packed tarball bytes: raise size-budget.json only for growth you mean').toBeLessThanOrEqual(
      budget.packedBytes,
    );
    expect(packed.unpackedSize, 'unpacked bytes: raise size-budget.json only for growth you mean').toBeLessThanOrEqual(
      budget.unpackedBytes,
    );
  });

  it('keeps the minified + gzipped browser bundle of the default entry within budget', async () => {
    // As `esbuild --bundle --minify --format=esm --target=es2022` of `export * from 'simdloss'`, which resolves
    // through the package's own exports to dist/index.js, the file the tarball ships.
    const result = await build({
      stdin: { contents: "export * from 'simdloss';", resolveDir: join(ROOT, 'test'), loader: 'js' },
      absWorkingDir: ROOT,
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles[0].contents;
    const gzipped = gzipSync(bytes).length;
    console.log(`browser bundle: ${bytes.length} bytes minified, ${gzipped} gzipped`);
    expect(gzipped, 'bundle bytes (min+gzip): raise size-budget.json only for growth you mean').toBeLessThanOrEqual(
      budget.bundleMinGzipBytes,
    );
  });
});
