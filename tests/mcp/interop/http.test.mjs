// cairn-mcp-example --listen 127.0.0.1:0 driven by the official MCP TypeScript SDK (Client over
// StreamableHTTPClientTransport), plus raw requests the transport must refuse.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  POST_HEADERS, initializeRequest, loadSdk, rawRequest, startHttpExample, stopChild, withTimeout,
} from './support.mjs';

const REQUEST = { timeout: 10000 };  // SDK request options: every call bounded

// Fails, saying how to install it, when the SDK is missing from the build tree (never a skip).
test('the official MCP SDK is installed in the build tree', async () => {
  await loadSdk();
});

function assertRefusal(response, status, reason) {
  assert.equal(response.status, status, response.body);
  assert.ok(response.json, `a JSON body: ${response.body}`);
  assert.equal(response.json.jsonrpc, '2.0');
  assert.equal(response.json.id, null);
  assert.equal(response.json.error.code, -32000);
  assert.equal(response.json.error.data.reason, reason);
}

describe('the SDK client over Streamable HTTP', () => {
  let sdk;
  let server;
  let endpoint;
  const clients = [];

  // A connected client and its transport.
  async function connect(options = {}) {
    const transport = new sdk.StreamableHTTPClientTransport(endpoint, options);
    const client = new sdk.Client({ name: 'cairn-interop', version: '1.0.0' });
    clients.push(client);
    await withTimeout(client.connect(transport, REQUEST), 'connect');
    return { client, transport };
  }

  before(async () => {
    sdk = await loadSdk();
    server = await startHttpExample();
    endpoint = new URL(`${server.url}/mcp`);
  });

  after(async () => {
    for (const client of clients) {
      await withTimeout(client.close(), 'client close', 10000).catch(() => {});
    }
    if (server) {
      const { code, signal } = await stopChild(server.child);
      assert.equal(signal, null, `stopped by ${signal}; stderr: ${server.stderr()}`);
      assert.equal(code, 0, `a clean stop after SIGTERM; stderr: ${server.stderr()}`);
    }
  });

  test('connects, lists tools, calls them, and reconnects after the session is deleted',
       async () => {
    const { client, transport } = await connect();
    assert.equal(client.getServerVersion().name, 'cairn-mcp-example');
    assert.equal(transport.protocolVersion, sdk.LATEST_PROTOCOL_VERSION);
    const sessionId = transport.sessionId;
    assert.match(sessionId, /^[0-9a-f]{32}$/);

    const { tools } = await client.listTools(undefined, REQUEST);
    const names = tools.map((tool) => tool.name);
    for (const name of ['echo', 'fail', 'jobs_enqueue', 'audit_verify']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const echoSchema = tools.find((tool) => tool.name === 'echo').inputSchema;
    assert.deepEqual(echoSchema.required, ['text']);
    assert.equal(echoSchema.properties.text.type, 'string');

    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'over http' } },
                                         undefined, REQUEST);
    assert.notEqual(echoed.isError, true);
    assert.deepEqual(echoed.structuredContent, { text: 'over http' });
    assert.deepEqual(JSON.parse(echoed.content[0].text), { text: 'over http' });

    const failed = await client.callTool({ name: 'fail', arguments: {} }, undefined, REQUEST);
    assert.equal(failed.isError, true);
    assert.match(failed.content[0].text, /^FAILED_PRECONDITION EXAMPLE_ALWAYS_FAILS: /);

    await assert.rejects(
      client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, REQUEST),
      (error) => {
        assert.ok(error instanceof sdk.McpError, `McpError, not ${error}`);
        assert.equal(error.code, -32602);
        assert.equal(error.data?.reason, 'MCP_TOOL_NOT_FOUND');
        return true;
      });
    await assert.rejects(
      client.callTool({ name: 'echo', arguments: { text: ['not', 'a', 'string'] } }, undefined,
                      REQUEST),
      (error) => {
        assert.equal(error.code, -32602);
        assert.equal(error.data?.reason, 'MCP_ARGUMENTS_INVALID');
        assert.match(error.message, /\/text/);
        return true;
      });
    assert.deepEqual(await client.ping(REQUEST), {});

    // DELETE ends the session; the old id is then unknown (404).
    await withTimeout(transport.terminateSession(), 'DELETE');
    assert.equal(transport.sessionId, undefined);
    const stale = await rawRequest(endpoint, {
      headers: {
        ...POST_HEADERS,
        'Mcp-Session-Id': sessionId,
        'MCP-Protocol-Version': sdk.LATEST_PROTOCOL_VERSION,
      },
      body: { jsonrpc: '2.0', id: 9, method: 'tools/list' },
    });
    assertRefusal(stale, 404, 'MCP_SESSION_NOT_FOUND');
    await withTimeout(client.close(), 'close');

    // The reconnect: a new client and transport get a new session and work.
    const again = await connect();
    assert.match(again.transport.sessionId, /^[0-9a-f]{32}$/);
    assert.notEqual(again.transport.sessionId, sessionId);
    const echoedAgain = await again.client.callTool(
      { name: 'echo', arguments: { text: 'again' } }, undefined, REQUEST);
    assert.deepEqual(echoedAgain.structuredContent, { text: 'again' });
    await withTimeout(again.transport.terminateSession(), 'DELETE');
  });

  test('a request without a session is refused with 400', async () => {
    const response = await rawRequest(endpoint, {
      headers: POST_HEADERS,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    assertRefusal(response, 400, 'MCP_SESSION_REQUIRED');
  });

  test('a request from a foreign Origin is refused with 403', async () => {
    const response = await rawRequest(endpoint, {
      headers: { ...POST_HEADERS, Origin: 'http://evil.example' },
      body: initializeRequest(),
    });
    assertRefusal(response, 403, 'MCP_ORIGIN_FORBIDDEN');
    assert.equal(response.headers['mcp-session-id'], undefined, 'no session was opened');
  });

  test('a request from a loopback Origin is let through', async () => {
    const response = await rawRequest(endpoint, {
      headers: { ...POST_HEADERS, Origin: server.url },
      body: initializeRequest(),
    });
    assert.equal(response.status, 200, response.body);
    const sessionId = response.headers['mcp-session-id'];
    assert.match(sessionId, /^[0-9a-f]{32}$/);
    const deleted = await rawRequest(endpoint, {
      method: 'DELETE',
      headers: { 'Mcp-Session-Id': sessionId },
    });
    assert.equal(deleted.status, 200, deleted.body);
  });
});

describe('the example with CAIRN_MCP_TOKEN set', () => {
  const token = randomBytes(24).toString('hex');
  let sdk;
  let server;
  let endpoint;
  const clients = [];

  before(async () => {
    sdk = await loadSdk();
    server = await startHttpExample({ CAIRN_MCP_TOKEN: token });
    endpoint = new URL(`${server.url}/mcp`);
  });

  after(async () => {
    for (const client of clients) {
      await withTimeout(client.close(), 'client close', 10000).catch(() => {});
    }
    if (server) {
      await stopChild(server.child);
      assert.ok(!server.stderr().includes(token), 'the token never reaches the log');
    }
  });

  test('a client sending the bearer token connects and calls tools', async () => {
    const transport = new sdk.StreamableHTTPClientTransport(endpoint, {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    const client = new sdk.Client({ name: 'cairn-interop', version: '1.0.0' });
    clients.push(client);
    await withTimeout(client.connect(transport, REQUEST), 'connect');
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'authorized' } },
                                         undefined, REQUEST);
    assert.deepEqual(echoed.structuredContent, { text: 'authorized' });
  });

  test('requests without the token, or with another, are refused with 401', async () => {
    const missing = await rawRequest(endpoint, { headers: POST_HEADERS, body: initializeRequest() });
    assert.equal(missing.status, 401, missing.body);
    assert.equal(missing.json.error.code, 'UNAUTHENTICATED');
    assert.equal(missing.json.error.reason, 'EXAMPLE_TOKEN_INVALID');
    assert.ok(!missing.body.includes(token));

    const wrongToken = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    const wrong = await rawRequest(endpoint, {
      headers: { ...POST_HEADERS, Authorization: `Bearer ${wrongToken}` },
      body: initializeRequest(),
    });
    assert.equal(wrong.status, 401, wrong.body);
    assert.equal(wrong.json.error.reason, 'EXAMPLE_TOKEN_INVALID');

    const transport = new sdk.StreamableHTTPClientTransport(endpoint);
    const client = new sdk.Client({ name: 'cairn-interop', version: '1.0.0' });
    clients.push(client);
    await assert.rejects(withTimeout(client.connect(transport, REQUEST), 'connect'), (error) => {
      assert.equal(error.code, 401, String(error));  // StreamableHTTPError carries the status
      assert.match(error.message, /EXAMPLE_TOKEN_INVALID/);
      return true;
    });
  });
});
