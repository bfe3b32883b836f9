// Serves the example Worker (worker.js, through wrangler.json) with the repository's workerd on 127.0.0.1 and says
// where once it accepts connections; Ctrl-C stops it.
//   node examples/worker/serve.mjs          (PORT=8788 by default: the Node example has 8787)
//   curl -d '{"predictions":[[0.5,1.5],[2,3]],"targets":[[1,1],[2,2]]}' http://127.0.0.1:8788/
// It runs `npx workerd serve examples/worker/wrangler.json --socket-addr=http=127.0.0.1:8788`, which serves the
// same but prints nothing (and, without --socket-addr, listens on workerd's default, 8787).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const port = Number(process.env.PORT ?? 8788);
const workerd = fileURLToPath(new URL('../../node_modules/.bin/workerd', import.meta.url));
const config = fileURLToPath(new URL('wrangler.json', import.meta.url));
const child = spawn(workerd, ['serve', config, `--socket-addr=http=127.0.0.1:${port}`], { stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`could not start ${workerd} (npm ci installs it): ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));

// workerd says nothing when it listens: try the port until it answers (for up to 30 s).
const started = Date.now();
(function probe() {
  const socket = connect(port, '127.0.0.1');
  socket.once('connect', () => {
    socket.destroy();
    console.log(`scoring on http://127.0.0.1:${port}/ (workerd serve examples/worker/wrangler.json)`);
  });
  socket.once('error', () => {
    socket.destroy();
    if (Date.now() - started < 30_000 && child.exitCode === null) setTimeout(probe, 100);
  });
})();
