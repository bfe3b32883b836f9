// The repository's habits, held in `npm test` so CI enforces them: Biome's lint and format check (biome.json) and
// knip's dead-code check (knip.json: no unused files, exports or dependencies). The same commands are `npm run lint`.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a dev dependency's binary from node_modules/.bin; its output becomes the failure message. */
function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(`node_modules/.bin/${bin}`, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe('repository habits', () => {
  it('passes Biome lint and format (`npx biome check .`)', () => {
    const r = run('biome', ['check', '.', '--max-diagnostics=50']);
    expect(r.status, r.output).toBe(0);
  }, 60_000);

  it('has no unused files, exports or dependencies (`npx knip`)', () => {
    const r = run('knip', ['--no-progress']);
    expect(r.status, r.output).toBe(0);
  }, 300_000);
});
