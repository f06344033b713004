// cairn's WebSocket client and server against npm's `ws` (tests/npm, pinned by its lockfile):
// ws's client against `websocket_client_driver serve` (a cairn net::Server with /ws/echo), and
// `websocket_client_driver client` (HttpClient::websocket) against ws's WebSocketServer. Echoes,
// subprotocols, ping/pong and close codes both ways.
//
// CMake copies this file to BUILD_DIR/npm/tests/, beside BUILD_DIR/npm/node_modules, which
// `sh scripts/install-deps.sh BUILD_DIR` fills. Every wait is bounded, and every child process is
// stopped by the test that started it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const STEP_MS = 15000;

async function loadWs() {
  const pkg = new URL('../node_modules/ws/package.json', import.meta.url);
  if (!existsSync(pkg)) {
    throw new Error(`ws is not installed at ${fileURLToPath(pkg)}: ` +
                    'run `sh scripts/install-deps.sh build` (it installs tests/npm into build/npm)');
  }
  return import('ws');
}
const { WebSocket, WebSocketServer } = await loadWs();

function driverPath() {
  const path = process.env.CAIRN_WEBSOCKET_CLIENT_DRIVER;
  if (!path || !existsSync(path)) {
    throw new Error('CAIRN_WEBSOCKET_CLIENT_DRIVER must name websocket_client_driver (ctest sets it)');
  }
  return path;
}

// `promise`, or a rejection naming `what` after `ms`.
function withTimeout(promise, what, ms = STEP_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The driver as a child process speaking JSON lines.
class Driver {
  constructor(args) {
    this.child = spawn(driverPath(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = [];
    this.waiters = [];
    this.buffer = '';
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(this.buffer.slice(0, nl));
        this.buffer = this.buffer.slice(nl + 1);
        const waiter = this.waiters.shift();
        if (waiter) waiter(line); else this.lines.push(line);
      }
    });
  }

  line() {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    return withTimeout(new Promise((resolve) => this.waiters.push(resolve)), 'a driver line');
  }

  cmd(command) {
    this.child.stdin.write(JSON.stringify(command) + '\n');
    return this.line();
  }

  // Closes stdin and resolves with the exit code; kills the child if it does not exit in time.
  async stop() {
    this.child.stdin.end();
    try {
      return await withTimeout(this.exit, 'the driver to exit');
    } catch (error) {
      this.child.kill('SIGKILL');
      throw error;
    }
  }
}

async function cairnServer() {
  const server = new Driver(['serve']);
  const { port } = await server.line();
  assert.ok(port > 0);
  return { server, url: `ws://127.0.0.1:${port}/ws/echo` };
}

// The next event `name` of `emitter`, as an array of its arguments.
function next(emitter, name) {
  return withTimeout(new Promise((resolve) => emitter.once(name, (...args) => resolve(args))),
                     `the ${name} event`);
}

function payloads() {
  const out = [];
  for (const size of [0, 125, 126, 65536, (1 << 20) - 1]) {
    out.push('\u00e9'.repeat(Math.floor(size / 2)) + 'a'.repeat(size % 2));
    out.push(Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) & 0xff)));
  }
  return out;
}

// ---- ws's client against cairn's server

test('ws client: echo of every length class, and a normal close', async () => {
  const { server, url } = await cairnServer();
  try {
    const ws = new WebSocket(url, ['chat.v2', 'chat']);
    await next(ws, 'open');
    assert.equal(ws.protocol, 'chat.v2');
    for (const message of payloads()) {
      const echoed = next(ws, 'message');
      ws.send(message);
      const [data, isBinary] = await echoed;
      if (typeof message === 'string') {
        assert.equal(isBinary, false);
        assert.equal(data.toString('utf8'), message);
      } else {
        assert.equal(isBinary, true);
        assert.ok(Buffer.compare(data, message) === 0, `binary echo of ${message.length} bytes`);
      }
    }
    const closed = next(ws, 'close');
    ws.close(1000, 'bye');
    const [code] = await closed;  // the server's answer: the same code
    assert.equal(code, 1000);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('ws client: the server closes with 4001 when asked', async () => {
  const { server, url } = await cairnServer();
  try {
    const ws = new WebSocket(url);
    await next(ws, 'open');
    assert.equal(ws.protocol, '');
    const closed = next(ws, 'close');
    ws.send('close-me');
    const [code, reason] = await closed;
    assert.equal(code, 4001);
    assert.equal(reason.toString(), 'asked');
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('ws client: a message over 1 MiB is closed with 1009', async () => {
  const { server, url } = await cairnServer();
  try {
    const ws = new WebSocket(url);
    await next(ws, 'open');
    const closed = next(ws, 'close');
    ws.send(Buffer.alloc((1 << 20) + 1, 0x61));
    const [code] = await closed;
    assert.equal(code, 1009);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('ws client: a ping from ws is answered with a pong', async () => {
  const { server, url } = await cairnServer();
  try {
    const ws = new WebSocket(url);
    await next(ws, 'open');
    const pong = next(ws, 'pong');
    ws.ping(Buffer.from('are you there'));
    const [data] = await pong;
    assert.equal(data.toString(), 'are you there');
    const closed = next(ws, 'close');
    ws.close();
    const [code] = await closed;
    assert.equal(code, 1005);  // ws.close() without a code sends an empty close frame
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

// ---- cairn's client against ws's server

async function wsServer(options, onConnection) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  wss.on('connection', onConnection);
  await next(wss, 'listening');
  return { wss, url: `ws://127.0.0.1:${wss.address().port}/` };
}

function closeServer(wss) {
  for (const client of wss.clients) client.terminate();
  return withTimeout(new Promise((resolve) => wss.close(resolve)), 'ws server close');
}

test('cairn client: echo against ws, then a close with a custom code', async () => {
  let closedWith;
  const serverClosed = new Promise((resolve) => { closedWith = resolve; });
  const { wss, url } = await wsServer(
    { handleProtocols: (offered) => (offered.has('chat') ? 'chat' : false) },
    (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('close', (code, reason) => closedWith([code, reason.toString()]));
    });
  const client = new Driver(['client', url, 'chat.v2', 'chat']);
  try {
    assert.deepEqual(await client.line(), { open: true, subprotocol: 'chat' });
    for (const message of payloads()) {
      if (typeof message === 'string') {
        assert.deepEqual(await client.cmd({ op: 'send_text', data: message }), { ok: true });
        assert.deepEqual(await client.cmd({ op: 'receive' }), { opcode: 'text', data: message });
      } else {
        const hex = message.toString('hex');
        assert.deepEqual(await client.cmd({ op: 'send_binary', hex }), { ok: true });
        assert.deepEqual(await client.cmd({ op: 'receive' }), { opcode: 'binary', hex });
      }
    }
    assert.deepEqual(await client.cmd({ op: 'ping', data: 'hi ws' }), { ok: true });
    assert.deepEqual(await client.cmd({ op: 'receive' }),
                     { opcode: 'pong', hex: Buffer.from('hi ws').toString('hex') });
    assert.deepEqual(await client.cmd({ op: 'close', code: 4100, reason: 'custom' }),
                     { code: 4100 });
    assert.deepEqual(await withTimeout(serverClosed, 'the ws server to see the close'),
                     [4100, 'custom']);
    assert.equal(await client.stop(), 0);
  } finally {
    client.child.kill('SIGKILL');
    await closeServer(wss);
  }
});

test('cairn client: ws closing with 1001 is reported', async () => {
  const { wss, url } = await wsServer({}, (ws) => {
    ws.on('message', () => ws.close(1001, 'going away'));
  });
  const client = new Driver(['client', url]);
  try {
    assert.deepEqual(await client.line(), { open: true, subprotocol: '' });
    assert.deepEqual(await client.cmd({ op: 'send_text', data: 'bye?' }), { ok: true });
    assert.deepEqual(await client.cmd({ op: 'receive' }),
                     { opcode: 'close', code: 1001, reason: 'going away' });
    const late = await client.cmd({ op: 'send_text', data: 'late' });
    assert.equal(late.error.reason, 'WEBSOCKET_CLOSED');
    assert.equal(await client.stop(), 0);
  } finally {
    client.child.kill('SIGKILL');
    await closeServer(wss);
  }
});

test('cairn client: a ping from ws is answered inside receive', async () => {
  let pongs = 0;
  const { wss, url } = await wsServer({}, (ws) => {
    ws.on('pong', (data) => {
      if (data.toString() === 'from ws') pongs += 1;
      ws.send('ponged');
    });
    ws.ping(Buffer.from('from ws'));
  });
  const client = new Driver(['client', url]);
  try {
    assert.deepEqual(await client.line(), { open: true, subprotocol: '' });
    assert.deepEqual(await client.cmd({ op: 'receive' }), { opcode: 'text', data: 'ponged' });
    assert.equal(pongs, 1);
    assert.deepEqual(await client.cmd({ op: 'close' }), { code: 1000 });
    assert.equal(await client.stop(), 0);
  } finally {
    client.child.kill('SIGKILL');
    await closeServer(wss);
  }
});
