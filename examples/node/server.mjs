// Node example: an HTTP endpoint that scores a batch of regression predictions.
//   node examples/node/server.mjs            (PORT=8787 by default; PORT=0 picks a free port)
//   curl -d '{"predictions":[[0.5,1.5],[2,3]],"targets":[[1,1],[2,2]]}' http://127.0.0.1:8787/score
// No init() needed: in Node the first loss call starts the inlined WebAssembly synchronously.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { F, tensor } from 'simdloss';

/** The batch's mean losses: `predictions` and `targets` are same-shaped nested number arrays. */
export function scoreBatch({ predictions, targets }) {
  const input = tensor(predictions, { dtype: 'float64' });
  const target = tensor(targets, { dtype: 'float64' });
  return {
    n: input.shape[0] ?? 1,
    mse: F.mseLoss(input, target),
    l1: F.l1Loss(input, target),
    smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
  };
}

/** POST /score with a JSON batch; answers JSON, or 400 with the library's message for a bad batch. */
export function createScoringServer() {
  return createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/score') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /score');
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    let status = 200;
    let answer;
    try {
      answer = scoreBatch(JSON.parse(body));
    } catch (err) {
      status = 400;
      answer = { error: String(err.message) };
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createScoringServer();
  server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1', () => {
    console.log(`scoring on http://127.0.0.1:${server.address().port}/score`);
  });
}
