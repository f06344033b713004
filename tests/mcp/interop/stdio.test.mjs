// cairn-mcp-example --stdio driven by the official MCP TypeScript SDK (Client over
// StdioClientTransport), and by a raw child process sending bad input line by line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { LineReader, examplePath, exited, loadSdk, stopChild, withTimeout } from './support.mjs';

const REQUEST = { timeout: 10000 };  // SDK request options: every call bounded

// Fails, saying how to install it, when the SDK is missing from the build tree (never a skip).
test('the official MCP SDK is installed in the build tree', async () => {
  await loadSdk();
});

describe('the SDK client over stdio', () => {
  let sdk;
  let client;
  let transport;
  let stderr = '';
  let negotiated;

  before(async () => {
    sdk = await loadSdk();
    transport = new sdk.StdioClientTransport({
      command: examplePath(),
      args: ['--stdio'],
      stderr: 'pipe',
    });
    transport.stderr.setEncoding('utf8');
    transport.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // The client hands the negotiated version to transports that take it (HTTP does); the stdio
    // transport does not, so this records it.
    transport.setProtocolVersion = (version) => {
      negotiated = version;
    };
    client = new sdk.Client({ name: 'cairn-interop', version: '1.0.0' });
    await withTimeout(client.connect(transport, REQUEST), 'connect');
  });

  after(async () => {
    // A no-op when the last test closed it; otherwise it stops the child (SIGTERM, SIGKILL).
    await withTimeout(client?.close() ?? Promise.resolve(), 'close', 10000);
  });

  test('connects and negotiates the SDK\'s newest version', () => {
    assert.equal(client.getServerVersion().name, 'cairn-mcp-example');
    assert.equal(negotiated, sdk.LATEST_PROTOCOL_VERSION);
    assert.ok(client.getServerCapabilities().tools, 'tools capability announced');
    assert.match(client.getInstructions(), /echo/);
  });

  test('lists the tools with their schemas', async () => {
    const { tools } = await client.listTools(undefined, REQUEST);
    const names = tools.map((tool) => tool.name);
    for (const name of ['echo', 'fail', 'jobs_enqueue', 'audit_verify']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const echo = tools.find((tool) => tool.name === 'echo');
    assert.equal(echo.inputSchema.type, 'object');
    assert.deepEqual(echo.inputSchema.required, ['text']);
    assert.equal(echo.inputSchema.properties.text.type, 'string');
    assert.equal(echo.inputSchema.properties.text.maxLength, 10000);
    assert.deepEqual(echo.outputSchema.required, ['text']);
    assert.equal(echo.annotations.readOnlyHint, true);
  });

  test('calls echo and gets structured content and text', async () => {
    const text = 'héllo, wörld ✓';
    const result = await client.callTool({ name: 'echo', arguments: { text } }, undefined, REQUEST);
    assert.notEqual(result.isError, true);
    assert.deepEqual(result.structuredContent, { text });
    assert.equal(result.content[0].type, 'text');
    assert.deepEqual(JSON.parse(result.content[0].text), { text });
  });

  test('a failing tool is a result with isError and the code and reason', async () => {
    const result = await client.callTool({ name: 'fail', arguments: {} }, undefined, REQUEST);
    assert.equal(result.isError, true);
    assert.equal(result.content[0].type, 'text');
    assert.match(result.content[0].text, /^FAILED_PRECONDITION EXAMPLE_ALWAYS_FAILS: /);
  });

  test('an unknown tool is a protocol error -32602', async () => {
    await assert.rejects(
      client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, REQUEST),
      (error) => {
        assert.ok(error instanceof sdk.McpError, `McpError, not ${error}`);
        assert.equal(error.code, -32602);
        assert.equal(error.data?.reason, 'MCP_TOOL_NOT_FOUND');
        return true;
      });
  });

  test('arguments of the wrong type are refused -32602 naming the path', async () => {
    await assert.rejects(
      client.callTool({ name: 'echo', arguments: { text: 5 } }, undefined, REQUEST),
      (error) => {
        assert.ok(error instanceof sdk.McpError, `McpError, not ${error}`);
        assert.equal(error.code, -32602);
        assert.equal(error.data?.reason, 'MCP_ARGUMENTS_INVALID');
        assert.match(error.message, /\/text/);
        return true;
      });
  });

  test('jobs_enqueue and audit_verify work on the engine', async () => {
    const enqueued = await client.callTool(
      { name: 'jobs_enqueue', arguments: { kind: 'interop.test', input: { n: 1 } } },
      undefined, REQUEST);
    assert.notEqual(enqueued.isError, true, enqueued.content?.[0]?.text);
    assert.equal(enqueued.structuredContent.kind, 'interop.test');
    assert.equal(enqueued.structuredContent.state, 'pending');
    assert.ok(Number.isInteger(enqueued.structuredContent.id));

    const verified = await client.callTool({ name: 'audit_verify', arguments: {} }, undefined,
                                           REQUEST);
    assert.notEqual(verified.isError, true, verified.content?.[0]?.text);
    assert.equal(verified.structuredContent.intact, true);
    assert.equal(verified.structuredContent.damage, 'none');
    assert.ok(verified.structuredContent.entries >= 1, 'the enqueue was audited');
  });

  test('a call the client cancels is rejected and the session goes on', async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: 'sleep', arguments: { seconds: 10 } }, undefined,
                                 { ...REQUEST, signal: controller.signal });
    controller.abort('changed my mind');  // the SDK sends notifications/cancelled
    await assert.rejects(call, /changed my mind/);
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'still here' } },
                                         undefined, REQUEST);
    assert.deepEqual(echoed.structuredContent, { text: 'still here' });
  });

  test('ping answers', async () => {
    assert.deepEqual(await client.ping(REQUEST), {});
  });

  test('the process exits by itself when the client closes stdin', async () => {
    const child = transport._process;  // the SDK keeps it privately; the version is pinned
    assert.ok(child, 'the transport has a child process');
    await withTimeout(client.close(), 'close');
    const { code, signal } = await withTimeout(exited(child), 'exit');
    assert.equal(signal, null, `ended by ${signal}, not at end of input; stderr: ${stderr}`);
    assert.equal(code, 0, `exit status; stderr: ${stderr}`);
  });
});

describe('a raw client over stdio', () => {
  let child;
  let stdout;
  let raw = '';

  before(() => {
    child = spawn(examplePath(), ['--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.resume();  // logs: drained, not checked
    child.stdout.on('data', (chunk) => {
      raw += chunk.toString('utf8');
    });
    stdout = new LineReader(child.stdout);
  });

  after(async () => {
    if (child) await stopChild(child);
  });

  // Writes one line and reads the one line it is answered with.
  async function exchange(line) {
    child.stdin.write(`${line}\n`);
    return JSON.parse(await stdout.next(`the answer to ${line.slice(0, 60)}`));
  }

  function assertError(message, id, code, reason) {
    assert.equal(message.jsonrpc, '2.0');
    assert.deepEqual(message.id, id);
    assert.equal(message.result, undefined);
    assert.equal(message.error.code, code);
    assert.equal(message.error.data.reason, reason);
    assert.equal(typeof message.error.message, 'string');
  }

  test('truncated JSON is a parse error with id null', async () => {
    assertError(await exchange('{'), null, -32700, 'MCP_PARSE_ERROR');
  });

  test('an empty batch is an invalid request', async () => {
    assertError(await exchange('[]'), null, -32600, 'MCP_INVALID_REQUEST');
  });

  test('a line over 1 MiB is refused as too large', async () => {
    const huge = JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1 << 20) },
    });
    assertError(await exchange(huge), null, -32600, 'MCP_MESSAGE_TOO_LARGE');
  });

  test('tools/list before initialize is refused, echoing the id', async () => {
    assertError(await exchange('{"jsonrpc":"2.0","id":"list-1","method":"tools/list"}'),
                'list-1', -32600, 'MCP_NOT_INITIALIZED');
  });

  test('ping works before initialize, echoing an integer id', async () => {
    const answer = await exchange('{"jsonrpc":"2.0","id":42,"method":"ping"}');
    assert.equal(answer.id, 42);
    assert.deepEqual(answer.result, {});
  });

  test('stdout carries nothing but one JSON line per answer, and EOF ends the process',
       async () => {
    // A notification is never answered: the next line read must be the ping's.
    child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    const answer = await exchange('{"jsonrpc":"2.0","id":"last","method":"ping"}');
    assert.equal(answer.id, 'last');
    child.stdin.end();
    const { code, signal } = await withTimeout(exited(child), 'exit at end of input');
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(raw.endsWith('\n'), 'every line ends with a newline');
    const lines = raw.slice(0, -1).split('\n');
    assert.equal(lines.length, 6, `one line per answered message:\n${raw.slice(0, 2000)}`);
    for (const line of lines) {
      const message = JSON.parse(line);  // throws on anything that is not JSON
      assert.equal(message.jsonrpc, '2.0');
    }
  });
});
