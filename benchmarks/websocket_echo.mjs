// Measures cairn's WebSocket server (cairn-http-example's GET /ws/echo) against two peers on
// the same machine, in the same run: Python's `websockets` (benchmarks/peers/websockets_echo.py)
// and npm's `ws` (benchmarks/peers/ws_echo.mjs). One client drives all three, exactly alike:
// by default benchmarks/websocket_load.cpp (--client native), a load client on plain sockets
// that costs far less per message than any of the servers, so the server limits the rate (wrk's
// role for HTTP); with --client ws, npm's `ws` client in this process, which at these rates is
// itself the bottleneck (see --zero-mask).
//
//   sh scripts/install-deps.sh build                    # ws into build/npm, python3-websockets
//   cmake --build build --target cairn-http-example websocket_load
//   node benchmarks/websocket_echo.mjs [--binary build/examples/cairn-http-example]
//       [--build-dir build] [--client native|ws] [--repeats 3] [--round-trips 20000]
//       [--connections 16] [--messages 10000] [--window 64] [--timeout 120] [--zero-mask]
//
// Per core: cairn runs with --threads 1, and the peers in their natural shape, one
// single-threaded process each (asyncio's default loop; node's event loop). permessage-deflate
// is off everywhere (cairn has none; the client does not offer it). Measured for each server:
//   1. latency: one connection sends a 32-byte text message and waits for its echo,
//      --round-trips times: p50 and p99 in microseconds, and round trips per second;
//   2. throughput: --connections connections each send --messages messages, at most --window
//      of them in flight per connection, once with 32-byte text messages and once with 4 KiB
//      binary ones: messages (echoes) per second.
// Every echo is checked: its type, its length, its bytes and its order. Each server also gets
// its CPU time per message (from /proc), the figure least disturbed by sharing the machine.
// Servers run in rotating order, --repeats times, after a warm-up; medians and the ratios
// cairn / peer are printed (goal: cairn ahead of both peers, every ratio > 1).
//
// The client and the servers share the machine's cores. "client" is the client's CPU in cores:
// near 1.00 it is the bottleneck, and the messages per server CPU-second are the figure to read.
// The native client checks every echo as the ws one does (type, length, order, every byte) and
// masks with a random key per connection. With --client ws, --zero-mask makes the client mask every frame with the key 0: the frames are still masked on
// the wire (every server still unmasks them, at the same cost), but ws's client then skips its
// own XOR over the payload, which is most of its cost at 4 KiB, so the client stops being the
// bottleneck. (A zero key is predictable, which RFC 6455 section 5.3 forbids for real clients;
// it changes nothing for the servers measured.)
// Every wait is bounded (--timeout seconds per measurement, 10 s for a server to start), and every
// child process is stopped on exit, on errors and on SIGINT or SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const START_MS = 10000;
const CLOSE_MS = 2000;

const { values: opts } = parseArgs({
  options: {
    'binary': { type: 'string', default: path.join(REPO, 'build/examples/cairn-http-example') },
    'build-dir': { type: 'string', default: path.join(REPO, 'build') },
    'python': { type: 'string', default: '/usr/bin/python3' },
    'repeats': { type: 'string', default: '3' },
    'round-trips': { type: 'string', default: '20000' },
    'connections': { type: 'string', default: '16' },
    'messages': { type: 'string', default: '10000' },
    'window': { type: 'string', default: '64' },
    'timeout': { type: 'string', default: '120' },
    'zero-mask': { type: 'boolean', default: false },
    'client': { type: 'string', default: 'native' },
  },
});
const REPEATS = positive('repeats');
const ROUND_TRIPS = positive('round-trips');
const CONNECTIONS = positive('connections');
const MESSAGES = positive('messages');
const WINDOW = positive('window');
const TIMEOUT_MS = positive('timeout') * 1000;

function positive(name) {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name} wants a positive integer, not ${opts[name]}`);
  return n;
}

function fail(message) {
  console.error(`websocket_echo: ${message}`);
  process.exit(2);
}

const buildDir = path.resolve(opts['build-dir']);
if (!existsSync(path.join(buildDir, 'npm', 'node_modules', 'ws'))) {
  fail(`no ws in ${buildDir}/npm/node_modules (sh scripts/install-deps.sh ${buildDir})`);
}
if (!existsSync(opts.binary)) {
  fail(`no ${opts.binary} (cmake --build build --target cairn-http-example)`);
}
const { WebSocket } = createRequire(path.join(buildDir, 'npm', 'package.json'))('ws');
const LOAD_CLIENT = path.join(buildDir, 'benchmarks', 'websocket_load');
if (opts.client !== 'native' && opts.client !== 'ws') fail(`--client is native or ws`);
if (opts.client === 'native' && !existsSync(LOAD_CLIENT)) {
  fail(`no ${LOAD_CLIENT} (cmake --build ${opts['build-dir']} --target websocket_load)`);
}

// ---- Child processes: started once, stopped on every way out.

const children = new Set();

function killAllNow() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`websocket_echo: ${sig}, stopping`);
    stopAll().finally(() => process.exit(130));
  });
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', resolve));
}

async function stopAll() {
  await Promise.all([...children].map(async (child) => {
    child.kill('SIGTERM');  // cairn drains, the peers stop
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
    children.delete(child);
  }));
}

// Starts `argv` and resolves with its port, read from its stdout by `portOf(line)`.
function startServer(name, argv, portOf) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
        () => reject(new Error(`${name} did not start within ${START_MS} ms: ${seen}`)), START_MS);
    const onData = (chunk) => {
      seen += chunk.toString();
      for (const line of seen.split('\n')) {
        const port = portOf(line);
        if (port) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();  // keep draining what it prints later
          resolve({ name, child, port, url: `ws://127.0.0.1:${port}/ws/echo` });
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { seen += chunk.toString(); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening: ${seen}`));
    });
  });
}

function jsonPort(line) {
  try {
    return JSON.parse(line).port;
  } catch {
    return undefined;
  }
}

// ---- CPU accounting from /proc.

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

// User + system CPU seconds of process `pid` (all its threads).
function processCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

// CPU seconds the whole machine spent in processes (soft interrupts left out: during a run they
// are mostly the benchmark's own loopback traffic).
function machineBusy() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  return (fields[0] + fields[1] + fields[2]) / CLOCK_TICKS;
}

function clientCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// Runs `body` and returns its result with the elapsed seconds, the server's CPU seconds, the
// client's CPU in cores and what everything else used meanwhile, in cores.
// A native client reports its own time and CPU (result.seconds, result.clientCpu).
async function measured(server, body) {
  const server0 = processCpu(server.child.pid);
  const client0 = clientCpu();
  const busy0 = machineBusy();
  const t0 = process.hrtime.bigint();
  const result = await body();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const elapsed = result.seconds ?? wall;
  const serverCpu = processCpu(server.child.pid) - server0;
  const client = (clientCpu() - client0) + (result.clientCpu ?? 0);
  const others = Math.max(0, machineBusy() - busy0 - serverCpu - client) / wall;
  return { ...result, elapsed, serverCpu, clientCores: client / elapsed, others };
}

// Runs benchmarks/websocket_load.cpp against `server`: { messages, seconds, clientCpu[, p50,
// p99] } (round trips are timed with one connection and a window of 1).
function nativeLoad(server, kind, connections, messages, window) {
  const args = ['--port', String(server.port), '--path', '/ws/echo', '--kind', kind,
                '--connections', String(connections), '--messages', String(messages),
                '--window', String(window), '--timeout', String(TIMEOUT_MS / 1000)];
  return new Promise((resolve, reject) => {
    const child = spawn(LOAD_CLIENT, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0) {
        reject(new Error(`websocket_load against ${server.name} (${code ?? signal}): ${err}`));
        return;
      }
      const r = JSON.parse(out);
      resolve({ messages: r.messages, seconds: r.seconds, clientCpu: r.client_cpu,
                p50: r.p50_us, p99: r.p99_us });
    });
  });
}

// ---- The client.

function withTimeout(promise, what, ms = TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(url) {
  const options = { perMessageDeflate: false };
  if (opts['zero-mask']) options.generateMask = (mask) => mask.fill(0);
  const ws = new WebSocket(url, options);
  return withTimeout(new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  }), `connect ${url}`, START_MS);
}

async function closeAll(sockets) {
  await Promise.all(sockets.map((ws) => {
    if (ws.readyState === WebSocket.CLOSED) return undefined;
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close(1000);
    return withTimeout(closed, 'close handshake', CLOSE_MS).catch(() => ws.terminate());
  }));
}

// A 32-byte text message carrying `seq`: ten digits, then filler.
const TEXT_FILLER = 'abcdefghijklmnopqrstuv';
function textMessage(seq) {
  return String(seq).padStart(10, '0') + TEXT_FILLER;
}
function isTextEcho(data, isBinary, seq) {
  return !isBinary && data.length === 32 && data.toString('latin1') === textMessage(seq);
}

// A 4 KiB binary message carrying `seq` in its first 4 bytes, random bytes after.
const BINARY_TEMPLATE = randomBytes(4096);
function binaryMessage(seq) {
  const b = Buffer.allocUnsafe(BINARY_TEMPLATE.length);
  BINARY_TEMPLATE.copy(b);
  b.writeUInt32LE(seq, 0);
  return b;
}
function isBinaryEcho(data, isBinary, seq) {
  return isBinary && data.length === BINARY_TEMPLATE.length && data.readUInt32LE(0) === seq &&
         data.compare(BINARY_TEMPLATE, 4, BINARY_TEMPLATE.length, 4) === 0;
}

const KINDS = {
  text32: { send: (ws, seq) => ws.send(textMessage(seq)), check: isTextEcho },
  binary4k: {
    send: (ws, seq) => ws.send(binaryMessage(seq), { binary: true }),
    check: isBinaryEcho,
  },
};

// One connection, `n` sequential 32-byte round trips; the time of each in nanoseconds.
async function roundTrips(url, n) {
  const ws = await connect(url);
  const times = new Float64Array(n);
  try {
    await withTimeout(new Promise((resolve, reject) => {
      let seq = 0;
      let sentAt = 0n;
      ws.on('message', (data, isBinary) => {
        times[seq] = Number(process.hrtime.bigint() - sentAt);
        if (!isTextEcho(data, isBinary, seq)) {
          const got = JSON.stringify(data.toString().slice(0, 40));
          reject(new Error(`round trip ${seq}: wrong echo ${got}`));
          return;
        }
        if (++seq === n) {
          resolve();
          return;
        }
        sentAt = process.hrtime.bigint();
        ws.send(textMessage(seq));
      });
      ws.once('close', (code) => reject(new Error(`closed (${code}) after ${seq} round trips`)));
      ws.once('error', reject);
      sentAt = process.hrtime.bigint();
      ws.send(textMessage(0));
    }), `${n} round trips to ${url}`);
  } finally {
    ws.removeAllListeners('close');
    await closeAll([ws]);
  }
  times.sort();
  const pick = (q) => times[Math.min(n - 1, Math.floor(q * n))] / 1000;
  return { p50: pick(0.5), p99: pick(0.99) };
}

// `connections` connections, each sending `messages` messages of `kind` with at most `window`
// unanswered; resolves when every echo has arrived in order.
async function pipelined(url, kind, connections, messages, window) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(url)));
  const { send, check } = KINDS[kind];
  try {
    await withTimeout(Promise.all(sockets.map((ws, index) => new Promise((resolve, reject) => {
      let sent = 0;
      let received = 0;
      const fill = () => {
        while (sent < messages && sent - received < window) send(ws, sent++);
      };
      ws.on('message', (data, isBinary) => {
        if (!check(data, isBinary, received)) {
          reject(new Error(`connection ${index}, message ${received}: wrong or out-of-order echo`));
          return;
        }
        if (++received === messages) {
          resolve();
          return;
        }
        fill();
      });
      ws.once('close', (code) => {
        reject(new Error(`connection ${index} closed (${code}) after ${received} echoes`));
      });
      ws.once('error', reject);
      fill();
    }))), `${connections} x ${messages} ${kind} messages to ${url}`);
  } finally {
    for (const ws of sockets) ws.removeAllListeners('close');
    await closeAll(sockets);
  }
  return { messages: connections * messages };
}

// What each server answers before it is measured: text as text, binary as binary, byte for byte.
async function checkEcho(server) {
  const ws = await connect(server.url);
  try {
    for (const [kind, { send, check }] of Object.entries(KINDS)) {
      const echo = new Promise((resolve) => {
        ws.once('message', (data, isBinary) => resolve(check(data, isBinary, 7)));
      });
      send(ws, 7);
      if (!(await withTimeout(echo, `${server.name} echo`, START_MS))) {
        throw new Error(`${server.name} does not echo ${kind} messages faithfully`);
      }
    }
  } finally {
    await closeAll([ws]);
  }
}

// ---- The runs.

const PHASES = ['latency', 'text32', 'binary4k'];

async function runPhase(server, phase, scale = 1) {
  const native = opts.client === 'native';
  if (phase === 'latency') {
    const n = Math.max(1, Math.floor(ROUND_TRIPS * scale));
    const r = await measured(server, () => (native ? nativeLoad(server, 'text32', 1, n, 1)
                                                   : roundTrips(server.url, n)));
    return { ...r, rate: n / r.elapsed, cpuUs: (r.serverCpu * 1e6) / n };
  }
  const m = Math.max(1, Math.floor(MESSAGES * scale));
  const r = await measured(server, () => (native
      ? nativeLoad(server, phase, CONNECTIONS, m, WINDOW)
      : pipelined(server.url, phase, CONNECTIONS, m, WINDOW)));
  return { ...r, rate: r.messages / r.elapsed, cpuUs: (r.serverCpu * 1e6) / r.messages };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const fmt = (x, width, digits = 0) => x.toFixed(digits).padStart(width);

async function main() {
  const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
  const peers = path.join(REPO, 'benchmarks', 'peers');
  const servers = [
    await startServer('cairn', [opts.binary, '--listen', '127.0.0.1:0', '--threads', '1'],
                      (line) => Number(line.match(listening)?.[1])),
    await startServer('websockets', [opts.python, path.join(peers, 'websockets_echo.py')],
                      jsonPort),
    await startServer('ws', [process.execPath, path.join(peers, 'ws_echo.mjs'), buildDir],
                      jsonPort),
  ];
  for (const server of servers) await checkEcho(server);

  const versions = 'import sys, websockets; print(sys.version.split()[0], websockets.__version__)';
  const [pythonVersion, websocketsVersion] =
      execFileSync(opts.python, ['-c', versions]).toString().trim().split(' ');
  const wsPackage = path.join(buildDir, 'npm', 'node_modules', 'ws', 'package.json');
  const wsVersion = JSON.parse(readFileSync(wsPackage, 'utf8')).version;
  const [cairn, websockets, ws] = servers.map((s) => s.child.pid);
  console.log(`cairn: ${path.relative(process.cwd(), opts.binary)} --threads 1 (pid ${cairn}); ` +
              `websockets ${websocketsVersion} on Python ${pythonVersion} (pid ${websockets}); ` +
              `ws ${wsVersion} on node ${process.version} (pid ${ws})`);
  const clientName = opts.client === 'native' ? 'websocket_load (benchmarks/websocket_load.cpp)'
                                               : `ws ${wsVersion} in this process`;
  console.log(`client: ${clientName}; latency: ${ROUND_TRIPS} x 32 B round ` +
              `trips; throughput: ${CONNECTIONS} connections x ${MESSAGES} messages, ` +
              `window ${WINDOW}`);

  for (const server of servers) {
    for (const phase of PHASES) await runPhase(server, phase, 0.1);  // warm-up
  }

  const results = {};
  for (const server of servers) {
    results[server.name] = Object.fromEntries(PHASES.map((phase) => [phase, []]));
  }
  for (let rep = 0; rep < REPEATS; rep++) {
    const turn = rep % servers.length;
    const order = servers.slice(turn).concat(servers.slice(0, turn));
    for (const server of order) {
      for (const phase of PHASES) {
        const r = await runPhase(server, phase);
        results[server.name][phase].push(r);
        const unit = phase === 'latency' ? 'round trips/s' : 'messages/s   ';
        const latency = phase === 'latency'
            ? `  p50 ${fmt(r.p50, 6, 1)} us  p99 ${fmt(r.p99, 6, 1)} us`
            : ''.padEnd(32);
        console.log(`run ${rep + 1}/${REPEATS} ${server.name.padEnd(10)} ${phase.padEnd(8)} ` +
                    `${fmt(r.rate, 8)} ${unit}${latency}  server ${fmt(r.cpuUs, 5, 1)} us/msg  ` +
                    `client ${r.clientCores.toFixed(2)}  others ${r.others.toFixed(2)} cores`);
      }
    }
  }

  const med = {};
  for (const server of servers) {
    med[server.name] = {};
    for (const phase of PHASES) {
      const runs = results[server.name][phase];
      med[server.name][phase] = Object.fromEntries(
          ['rate', 'p50', 'p99', 'cpuUs', 'clientCores'].map(
              (key) => [key, median(runs.map((r) => r[key] ?? NaN))]));
    }
  }
  console.log('\nmedians                 latency (32 B, 1 conn)          text 32 B        ' +
              'binary 4 KiB');
  console.log('server       round trips/s  p50 us  p99 us  cpu us    msgs/s  cpu us    ' +
              'msgs/s  cpu us');
  for (const server of servers) {
    const { latency, text32, binary4k } = med[server.name];
    console.log(`${server.name.padEnd(12)} ${fmt(latency.rate, 13)} ${fmt(latency.p50, 7, 1)} ` +
                `${fmt(latency.p99, 7, 1)} ${fmt(latency.cpuUs, 7, 1)} ` +
                `${fmt(text32.rate, 9)} ${fmt(text32.cpuUs, 7, 2)} ` +
                `${fmt(binary4k.rate, 9)} ${fmt(binary4k.cpuUs, 7, 2)}`);
  }
  console.log('\nratios cairn / peer (goal: > 1, cairn ahead): rate, and messages per server ' +
              'CPU-second');
  let met = true;
  for (const peer of ['websockets', 'ws']) {
    const parts = PHASES.map((phase) => {
      const rate = med.cairn[phase].rate / med[peer][phase].rate;
      const perCpu = med[peer][phase].cpuUs / med.cairn[phase].cpuUs;
      if (!(rate > 1)) met = false;
      return `${phase} ${rate.toFixed(2)} (cpu ${perCpu.toFixed(2)})`;
    });
    console.log(`cairn / ${peer.padEnd(10)}  ${parts.join('   ')}`);
  }
  console.log(`goal (ahead of both peers in every measurement): ${met ? 'met' : 'NOT met'}`);
  const all = Object.values(results).flatMap((byPhase) => Object.values(byPhase).flat());
  const busiestClient = Math.max(...all.map((r) => r.clientCores));
  if (busiestClient > 0.9) {
    console.log(`note: the client used up to ${busiestClient.toFixed(2)} cores: where it is ` +
                'near 1.00 the client limits the rate, read the per-CPU ratios');
  }
  const others = Math.max(...all.map((r) => r.others));
  if (others > 0.2) {
    console.log(`warning: other processes used up to ${others.toFixed(2)} cores during the ` +
                'runs; the figures are noisy');
  }
}

try {
  await main();
} catch (e) {
  console.error(`websocket_echo: ${e.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
