// Shared pieces of the MCP interop tests: loading the official TypeScript SDK from the build
// tree, starting and stopping cairn-mcp-example, raw HTTP and line-oriented stdio access.
//
// CMake copies these files into BUILD_DIR/npm/tests/, beside BUILD_DIR/npm/node_modules, which
// `sh scripts/install-deps.sh BUILD_DIR` fills from tests/npm/package-lock.json. Every wait is
// bounded, and every child process started here is killed by the test that started it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

// How long any single step (a request, a line, a process exit) may take.
export const STEP_MS = 15000;

const INSTALL_HINT = 'run `sh scripts/install-deps.sh build` (it installs tests/npm into build/npm)';

// The SDK's modules, or an Error saying how to install them. Never skips.
export async function loadSdk() {
  const pkg = new URL('../node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url);
  if (!existsSync(pkg)) {
    throw new Error(`@modelcontextprotocol/sdk is not installed at ${fileURLToPath(pkg)}: ${INSTALL_HINT}`);
  }
  const [client, stdio, streamableHttp, types] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  return {
    Client: client.Client,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: streamableHttp.StreamableHTTPClientTransport,
    McpError: types.McpError,
    LATEST_PROTOCOL_VERSION: types.LATEST_PROTOCOL_VERSION,
  };
}

// The example binary CTest passes in CAIRN_MCP_EXAMPLE.
export function examplePath() {
  const path = process.env.CAIRN_MCP_EXAMPLE;
  if (!path || !existsSync(path)) {
    throw new Error('CAIRN_MCP_EXAMPLE must name the cairn-mcp-example binary (ctest sets it)');
  }
  return path;
}

// `promise`, or a rejection naming `what` after `ms`.
export function withTimeout(promise, what, ms = STEP_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves with {code, signal} when `child` has exited (at once when it already has).
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

// Sends SIGTERM, waits for the exit, and SIGKILLs a child that does not go. Returns how it ended.
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return exited(child);
  child.kill('SIGTERM');
  try {
    return await withTimeout(exited(child), 'exit after SIGTERM');
  } catch (error) {
    child.kill('SIGKILL');
    await withTimeout(exited(child), 'exit after SIGKILL');
    throw error;
  }
}

// Reads a stream line by line; next() resolves with the next line (without its newline).
export class LineReader {
  constructor(stream) {
    this.buffer = '';
    this.lines = [];
    this.waiters = [];
    this.ended = false;
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      this.buffer += chunk;
      let newline;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  wake() {
    while (this.waiters.length > 0 && (this.lines.length > 0 || this.ended)) {
      const waiter = this.waiters.shift();
      if (this.lines.length > 0) waiter.resolve(this.lines.shift());
      else waiter.reject(new Error(`stream ended${this.buffer ? ` mid-line: ${this.buffer}` : ''}`));
    }
  }

  next(what = 'a line') {
    const line = new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.wake();
    });
    return withTimeout(line, what);
  }
}

// Starts `cairn-mcp-example --listen 127.0.0.1:0` and reads its "listening on" line. Returns
// {child, url, stderr: () => text so far}.
export async function startHttpExample(env = {}) {
  const child = spawn(examplePath(), ['--listen', '127.0.0.1:0'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const stdout = new LineReader(child.stdout);
  try {
    const line = await stdout.next('the "listening on" line');
    const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    if (!match || Number(match[2]) === 0) throw new Error(`unexpected first line: ${line}`);
    return { child, url: match[1], stdout, stderr: () => stderr };
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error.message}; stderr: ${stderr}`);
  }
}

// One HTTP request with full control of the headers (fetch would refuse to set Origin in some
// versions). Resolves with {status, headers, body, json} (json: the parsed body or undefined).
export function rawRequest(url, { method = 'POST', headers = {}, body } = {}) {
  const request = new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(STEP_MS, () => req.destroy(new Error(`${method} ${url} timed out`)));
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
  return withTimeout(request, `${method} ${url}`);
}

// The headers a Streamable HTTP client sends with a POST.
export const POST_HEADERS = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
};

// An initialize request as a client sends it.
export function initializeRequest(id = 1) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'cairn-interop-raw', version: '0' },
    },
  };
}
