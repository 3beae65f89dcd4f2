// The load-time benchmark's proxy, checked in a second or so so that it cannot rot between the
// (long, never asserted) benchmark runs: it delays, it counts a batch as its calls, and it hands
// CORS preflights to the upstream as they are. Run by scripts/test: node --test scripts/lib/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { longestChain, startLatencyProxy } from './latency-proxy.mjs';

const DELAY = 80;

async function upstream() {
  const server = createServer((request, response) => {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '7',
      });
      return response.end();
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
      const answer = (call) => ({ jsonrpc: '2.0', id: call.id, result: call.method });
      response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

const post = (url, body) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the proxy delays each round trip, counts a batch by its calls and passes preflights through', async () => {
  const node = await upstream();
  const proxy = await startLatencyProxy({ upstream: node.url, delayMs: DELAY });
  try {
    const from = performance.timeOrigin + performance.now();
    let started = performance.now();
    const single = await (await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] })).json();
    assert.ok(performance.now() - started >= DELAY - 2, `a round trip took ${performance.now() - started} ms`);
    assert.equal(single.result, 'eth_blockNumber');

    const batch = ['eth_call', 'eth_call', 'eth_getLogs'].map((method, id) => ({ jsonrpc: '2.0', id, method, params: [] }));
    const answers = await (await post(proxy.url, batch)).json();
    assert.deepEqual(answers.map((answer) => answer.result), ['eth_call', 'eth_call', 'eth_getLogs']);

    started = performance.now();
    const preflight = await fetch(proxy.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST' },
    });
    assert.ok(performance.now() - started >= DELAY - 2);
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(preflight.headers.get('access-control-max-age'), '7');

    // Two in parallel overlap: they add one round trip in series, not two.
    await Promise.all([1, 2].map((id) => post(proxy.url, { jsonrpc: '2.0', id, method: 'eth_chainId' }).then((r) => r.json())));

    const counts = proxy.since(from);
    assert.equal(counts.requests, 5);
    assert.equal(counts.preflights, 1);
    assert.equal(counts.rpcRequests, 4);
    assert.equal(counts.batches, 1);
    assert.equal(counts.calls, 6);
    assert.deepEqual(counts.byMethod, { eth_blockNumber: 1, eth_call: 2, eth_getLogs: 1, eth_chainId: 2 });
    // The call, the batch, the preflight, then the pair.
    assert.equal(counts.serial, 4);
  } finally {
    await proxy.stop();
    node.stop();
  }
});

test('an upstream that is down is a 502 from the proxy, not a hang', async () => {
  const node = await upstream();
  node.stop();
  const proxy = await startLatencyProxy({ upstream: node.url, delayMs: 10 });
  try {
    const response = await post(proxy.url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' });
    assert.equal(response.status, 502);
  } finally {
    await proxy.stop();
  }
});

test('requests in series are told from requests in parallel', () => {
  const at = (start, end) => ({ start, end });
  assert.equal(longestChain([]), 0);
  assert.equal(longestChain([at(0, 10), at(10, 20), at(20, 30)]), 3);
  assert.equal(longestChain([at(0, 10), at(1, 11), at(2, 12)]), 1);
  assert.equal(longestChain([at(0, 100), at(0, 10), at(10, 20), at(25, 30)]), 3);
});
