// A WebSocket echo server on npm's `ws` (tests/npm, pinned by its lockfile), the peer
// benchmarks/websocket_echo.mjs measures cairn-http-example's GET /ws/echo against.
//
//   node benchmarks/peers/ws_echo.mjs [BUILD_DIR]
//
// `ws` is loaded from BUILD_DIR/npm/node_modules (default: build), which
// `sh scripts/install-deps.sh BUILD_DIR` fills. Listens on 127.0.0.1, a free port chosen by the
// kernel, and prints {"port": N} on one line once it accepts connections. Every path echoes:
// text as text, binary as binary. Its natural shape: one process, one event loop;
// permessage-deflate off (ws's server default). Serves until stdin closes, SIGTERM or SIGINT.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const buildDir = path.resolve(process.argv[2] ?? path.join(repo, 'build'));
const anchor = path.join(buildDir, 'npm', 'package.json');
if (!existsSync(path.join(buildDir, 'npm', 'node_modules', 'ws'))) {
  console.error(`ws_echo: no ws in ${buildDir}/npm/node_modules ` +
                `(sh scripts/install-deps.sh ${buildDir})`);
  process.exit(2);
}
const { WebSocketServer } = createRequire(anchor)('ws');

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('listening', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});

function stop() {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
