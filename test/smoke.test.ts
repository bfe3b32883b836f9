// The README's first example, end to end through the public entry point.
import { describe, expect, it } from 'vitest';
import { F, nn, tensor } from '../src/index.js';

describe('README quick example', () => {
  const input = tensor([1, 2, 3]);
  const target = tensor([2, 2, 4]);
  it('reduces MSE to the float32 mean', () => {
    expect(F.mseLoss(input, target)).toBe(Math.fround(2 / 3));
    expect(new nn.MSELoss({ reduction: 'sum' }).forward(input, target)).toBe(2);
  });
  it('prints the unreduced tensor like PyTorch', () => {
    expect(String(F.mseLoss(input, target, { reduction: 'none' }))).toBe('tensor([1., 0., 1.])');
  });
});
