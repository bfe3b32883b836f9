// Cloudflare Worker example: POST a JSON batch, get its mean losses back.
// Bundled as wrangler does (esbuild with the `workerd` export condition): `simdloss` then imports simdloss.wasm as
// a compiled WebAssembly.Module, since workerd refuses to compile WebAssembly from bytes. No init() needed.
//   node examples/worker/serve.mjs     (workerd serve on 127.0.0.1:8788; prints the URL once it listens)
//   curl -d '{"predictions":[[0.5,1.5],[2,3]],"targets":[[1,1],[2,2]]}' http://127.0.0.1:8788/
import { F, tensor } from 'simdloss';

export default {
  async fetch(request) {
    if (request.method !== 'POST') return new Response('POST a JSON batch {predictions, targets}', { status: 405 });
    try {
      const { predictions, targets } = await request.json();
      const input = tensor(predictions, { dtype: 'float64' });
      const target = tensor(targets, { dtype: 'float64' });
      return Response.json({
        n: input.shape[0] ?? 1,
        mse: F.mseLoss(input, target),
        l1: F.l1Loss(input, target),
        smoothL1: F.smoothL1Loss(input, target, { beta: 0.5 }),
      });
    } catch (err) {
      return Response.json({ error: String(err.message) }, { status: 400 });
    }
  },
};
