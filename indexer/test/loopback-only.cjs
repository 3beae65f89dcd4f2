// Preloaded (node --require) into every indexer process the tests start: a connection or a name
// lookup for anything but this machine's loopback is refused and reported on stderr with the
// marker below, so a test can prove that the indexer reaches nothing but the local chain and
// database (no telemetry, no update checks).
const dns = require('node:dns');
const net = require('node:net');

const MARKER = 'LOOPBACK-GUARD';
const isLoopback = (host) =>
  host === undefined || host === null || host === '' || host === 'localhost' || host === '::1' ||
  host === '::ffff:127.0.0.1' || /^127\.\d+\.\d+\.\d+$/.test(host);

const report = (what) => process.stderr.write(`${MARKER}: refused ${what}\n`);

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  // A Unix socket (`path`) is local by definition.
  if (options.path === undefined && !isLoopback(typeof options.host === 'string' ? options.host : undefined)) {
    report(`a connection to ${options.host}:${options.port}`);
    process.nextTick(() => this.destroy(new Error(`${MARKER}: ${options.host} is not loopback`)));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) {
    report(`a name lookup of ${hostname}`);
    const callback = rest[rest.length - 1];
    const error = Object.assign(new Error(`${MARKER}: ${hostname} is not loopback`), { code: 'ENOTFOUND' });
    process.nextTick(() => callback(error));
    return {};
  }
  return lookup.call(this, hostname, ...rest);
};

const promisedLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) {
    report(`a name lookup of ${hostname}`);
    return Promise.reject(Object.assign(new Error(`${MARKER}: ${hostname} is not loopback`), { code: 'ENOTFOUND' }));
  }
  return promisedLookup.call(this, hostname, ...rest);
};

module.exports = { MARKER };
