/**
 * A private PostgreSQL server for one test: `initdb` and `pg_ctl` of the installed server (the newest
 * `/usr/lib/postgresql/<version>/bin`) make a cluster in a temporary directory, listening on a free
 * loopback port (and a socket in that directory) with trust authentication for user `postgres`. A
 * test may stop, restart and start it at will: the shared server on 5432 that other suites use is
 * never touched. As root, the server's programs run as the `postgres` OS user (PostgreSQL refuses to
 * run as root), which then owns the directory. Everything is removed by {@link PostgresInstance.remove}.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './prometheus-process.js';

const run = promisify(execFile);
const SERVER_ROOT = '/usr/lib/postgresql';

/** A running private server. */
export interface PostgresInstance {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, the maintenance database. */
  readonly url: string;
  readonly port: number;
  /** The server's log file. */
  readonly logPath: string;
  /** URL of database `name` on this server. */
  databaseUrl(name: string): string;
  /** `pg_ctl restart -m <mode>`: ends every session (aborting open transactions), waits until it accepts connections again. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl stop -m fast`, waiting until it is down. */
  stop(): Promise<void>;
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (when running) and deletes its directory; idempotent. */
  remove(): Promise<void>;
}

/** The newest installed server's `bin` directory with `initdb` and `pg_ctl`, or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(SERVER_ROOT)) return null;
  const versions = readdirSync(SERVER_ROOT).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(SERVER_ROOT, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** Why a private server cannot be made here, or null when it can. */
export function privatePostgresUnavailableReason(): string | null {
  if (postgresBinDir() === null) return `no PostgreSQL server programs (initdb, pg_ctl) under ${SERVER_ROOT}/<version>/bin; install the Debian package postgresql`;
  if (isRoot() && osUser('postgres') === null) return 'running as root, but there is no postgres OS user to run the server as';
  return null;
}

/** Makes the cluster and starts it; resolves once it accepts connections. */
export async function startPostgresInstance(): Promise<PostgresInstance> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(privatePostgresUnavailableReason() ?? 'no PostgreSQL server programs');
  const dir = mkdtempSync(join(tmpdir(), 'shiftguard-pg-'));
  const owner = isRoot() ? osUser('postgres') : null;
  if (owner !== null) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const logPath = join(dir, 'server.log');
  const port = await freeLoopbackPort();
  const serverOptions = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c max_connections=60`;
  const pgCtl = (...args: string[]): Promise<void> => asServerUser(owner, join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...args], logPath);
  let running = false;
  let removed = false;
  const instance: PostgresInstance = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    logPath,
    databaseUrl: (name) => `postgres://postgres@127.0.0.1:${port}/${name}`,
    restart: async (mode = 'fast') => {
      await pgCtl('restart', '-m', mode, '-l', logPath, '-o', serverOptions);
      running = true;
    },
    stop: async () => {
      await pgCtl('stop', '-m', 'fast');
      running = false;
    },
    start: async () => {
      await pgCtl('start', '-l', logPath, '-o', serverOptions);
      running = true;
    },
    remove: async () => {
      if (removed) return;
      removed = true;
      if (running) await pgCtl('stop', '-m', 'immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await asServerUser(owner, join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'], logPath);
    await instance.start();
  } catch (error) {
    await instance.remove();
    throw error;
  }
  return instance;
}

/** Runs a server program (as `owner` when given), failing with its output and the server log's tail. */
async function asServerUser(owner: OsUser | null, program: string, args: readonly string[], logPath: string): Promise<void> {
  const [file, argv] = owner === null ? [program, [...args]] : ['runuser', ['-u', owner.name, '--', program, ...args]];
  try {
    await run(file, argv, { timeout: 90_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n') : '(no server log)';
    throw new Error(`${program} ${args.join(' ')} failed: ${String(error)}\n${stdout}${stderr}\nserver log:\n${log}`, { cause: error });
  }
}

interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The uid and gid of OS user `name`, or null when there is none. */
function osUser(name: string): OsUser | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : null;
  } catch {
    return null;
  }
}
