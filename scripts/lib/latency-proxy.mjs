// An HTTP proxy on 127.0.0.1 that puts a fixed round-trip latency in front of one local upstream
// (the app's static server, the JSON-RPC node or the indexer), as a user far from the servers
// would see them: on this machine every request answers in about a millisecond, which hides how
// many round trips a page makes one after another.
//
// Half the delay is spent on the way in and half on the way out, as on a symmetric link. Every
// HTTP exchange pays it, CORS preflights included: the browser sends them over the same network.
// Connection set-up (TCP, TLS) is not modelled, so the figures are a lower bound of a real link.
//
// It also counts what it carries: HTTP requests, CORS preflights, and the JSON-RPC calls inside
// them (a batch counts once as a request and once per call, by method), with the time each
// exchange started and ended, so that a benchmark can tell how many round trips ran in series.
import { createServer, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

/** Milliseconds since the epoch, to the microsecond: comparable with a page's
 * `performance.timeOrigin + performance.now()` on the same machine. */
export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Starts a proxy on 127.0.0.1:`port` (0: any free port) to `upstream` (an http:// origin).
 * Resolves to `{ url, exchanges, since(from, to), stop() }`.
 */
export async function startLatencyProxy({ upstream, port = 0, delayMs = 100 }) {
  const target = new URL(upstream);
  const half = delayMs / 2;
  /** One entry per HTTP exchange, in the order they arrived. */
  const exchanges = [];
  const sockets = new Set();

  const server = createServer((incoming, outgoing) => {
    const exchange = { start: epochNow(), end: null, method: incoming.method, path: incoming.url, rpc: [] };
    exchanges.push(exchange);
    const chunks = [];
    incoming.on('data', (chunk) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      exchange.rpc = rpcMethods(incoming.method, body);
      setTimeout(() => forward(incoming, outgoing, body, exchange), half);
    });
  });

  function forward(incoming, outgoing, body, exchange) {
    const headers = { ...incoming.headers, host: target.host };
    // The body was read whole; a chunked request goes upstream with its length instead.
    delete headers['transfer-encoding'];
    if (body.length || incoming.method === 'POST') headers['content-length'] = String(body.length);
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
      (answer) => {
        // Streamed rather than buffered, so that a long-lived answer (server-sent events) still
        // flows. The head and each chunk are held back by the same half delay from when they
        // arrived; timers of one duration fire in the order they were set, so nothing reorders.
        setTimeout(() => outgoing.destroyed || outgoing.writeHead(answer.statusCode, answer.statusMessage, answer.rawHeaders), half);
        answer.on('data', (chunk) => setTimeout(() => outgoing.destroyed || outgoing.write(chunk), half));
        answer.on('end', () =>
          setTimeout(() => {
            exchange.end = epochNow();
            exchange.status = answer.statusCode;
            outgoing.end();
          }, half),
        );
        answer.on('error', () => outgoing.destroy());
        outgoing.on('close', () => answer.destroy());
      },
    );
    upstreamRequest.on('error', (error) => {
      exchange.end = epochNow();
      exchange.status = 502;
      exchange.error = error.message;
      setTimeout(() => {
        if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
        outgoing.end(`latency proxy: ${upstream} did not answer: ${error.message}`);
      }, half);
    });
    upstreamRequest.end(body);
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    exchanges,
    /** What the exchanges that arrived between `from` and `to` (epoch ms) amount to. */
    since: (from, to = Infinity) => summarise(exchanges.filter((exchange) => exchange.start >= from && exchange.start <= to)),
    stop: () =>
      new Promise((resolve) => {
        // Keep-alive connections from the browser would hold close() open until they time out.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The JSON-RPC methods a request body carries: one for a call, one per element of a batch. */
export function rpcMethods(method, body) {
  if (method !== 'POST' || body.length === 0) return [];
  let parsed;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  return calls.filter((call) => call && typeof call.method === 'string').map((call) => call.method);
}

/**
 * Totals of `exchanges`: `requests` (every HTTP exchange), `preflights` (OPTIONS), `rpcRequests`
 * (those that carried JSON-RPC), `batches`, `calls` (JSON-RPC calls, a batch's each counted),
 * `byMethod`, and `serial`: the longest chain of exchanges each sent after the previous one was
 * answered, the round trips a page waited for one after another at the least.
 */
export function summarise(exchanges) {
  const rpc = exchanges.filter((exchange) => exchange.rpc.length > 0);
  const byMethod = {};
  for (const exchange of rpc) for (const method of exchange.rpc) byMethod[method] = (byMethod[method] ?? 0) + 1;
  return {
    requests: exchanges.length,
    preflights: exchanges.filter((exchange) => exchange.method === 'OPTIONS').length,
    rpcRequests: rpc.length,
    batches: rpc.filter((exchange) => exchange.rpc.length > 1).length,
    calls: rpc.reduce((sum, exchange) => sum + exchange.rpc.length, 0),
    byMethod,
    // Preflights count: the browser waits for one before the request it clears.
    serial: longestChain(exchanges),
  };
}

/** The most intervals that can follow one another without overlapping: greedy by end time, which
 * is optimal for interval scheduling. Unanswered exchanges count as still running. */
export function longestChain(exchanges) {
  const intervals = exchanges
    .map((exchange) => [exchange.start, exchange.end ?? Infinity])
    .sort((a, b) => a[1] - b[1]);
  let count = 0;
  let free = -Infinity;
  for (const [start, end] of intervals) {
    if (start >= free) {
      count += 1;
      free = end;
    }
  }
  return count;
}
