// A throwaway PostgreSQL cluster for the indexer's tests: Debian's server binaries, run as the
// `postgres` system user when the tests run as root (the server refuses root), on a free
// 127.0.0.1 port, with its data under .run/. Stopped by its PID file (pg_ctl stop), and killed by
// PID if that fails, also when the test process exits early.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error('no /usr/lib/postgresql/*/bin/initdb: install Debian\'s postgresql (scripts/test does: ensure_postgres)');
  }
  return join(root, versions[0], 'bin');
}

/** Runs a server binary as the cluster's owner. */
function asOwner(bin, args, options = {}) {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function userIds(name) {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} user: Debian's postgresql package creates it`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Creates and starts a cluster in `dir` on `port`; returns its URL, PID and `stop()`. */
export function startPostgres({ dir, port }) {
  const bin = binDir();
  rmSync(dir, { recursive: true, force: true });
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets, { recursive: true });
  if (process.getuid?.() === 0) {
    const { uid, gid } = userIds('postgres');
    for (const path of [dir, sockets]) chownSync(path, uid, gid);
  }
  // Local, disposable, reachable only on 127.0.0.1: trust authentication, no fsync.
  asOwner(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  asOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    try {
      asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    } catch (error) {
      // The server must not outlive the test: its PID is the last resort.
      try {
        process.kill(pid, 'SIGKILL');
      } catch (killError) {
        if (killError.code !== 'ESRCH') throw killError;
      }
      throw new Error(`pg_ctl stop failed (server ${pid} killed): ${error.stderr || error.message}`);
    }
  };
  process.on('exit', stop);

  const psql = (sql) =>
    execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8',
    }).trim();

  return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, pid, stop, psql, log: join(dir, 'server.log') };
}
