/**
 * Child-process entry of the test Unleash (see unleash-server.ts): runs unleash-server's `start()`
 * with the settings the parent passes as JSON in `SHIFTGUARD_UNLEASH_SETTINGS`, so its ~20 s of
 * migrations and its timers never run inside the test process and SIGTERM/SIGKILL end all of it.
 *
 * Settings: { databaseUrl, port, adminTokens: [{ name, secret }], clientTokens: [{ name, secret,
 * project, environment }], logLevel: 'warn' | 'info' | 'debug' }. Unleash's own log lines go to
 * stderr, one per line, prefixed with their level; the parent keeps them in a file.
 */
/* global process */
import unleash from 'unleash-server';

const settings = JSON.parse(process.env.SHIFTGUARD_UNLEASH_SETTINGS ?? 'null');
if (settings === null) {
  process.stderr.write('SHIFTGUARD_UNLEASH_SETTINGS is not set\n');
  process.exit(2);
}

const LEVELS = ['debug', 'info', 'warn', 'error', 'fatal'];
const threshold = LEVELS.indexOf(settings.logLevel ?? 'warn');

/** A log4js-shaped logger that writes at and above the configured level to stderr. */
function getLogger(category) {
  const at = (level) => (...args) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const text = args.map((arg) => (arg instanceof Error ? arg.stack : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} [${category}] ${text}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal') };
}

// The parent holds an IPC channel open: when it dies without stopping us, shut down all the same.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

const url = `http://127.0.0.1:${settings.port}`;
const initApiTokens = [
  ...settings.adminTokens.map((token) => ({ tokenName: token.name, type: 'admin', secret: token.secret, project: '*', environment: '*' })),
  ...settings.clientTokens.map((token) => ({
    tokenName: token.name, type: 'client', secret: token.secret, project: token.project, environment: token.environment,
  })),
];

try {
  await unleash.start({
    databaseUrl: settings.databaseUrl,
    db: { ssl: false, pool: { min: 0, max: 4 } },
    server: { host: '127.0.0.1', port: settings.port, unleashUrl: url, gracefulShutdownEnable: true },
    authentication: { type: 'open-source', enableApiToken: true, createAdminUser: false, initApiTokens },
    versionCheck: { enable: false },
    getLogger,
  });
  process.stderr.write(`${new Date().toISOString()} INFO [unleash-server-main] listening on ${url}\n`);
} catch (error) {
  process.stderr.write(`${new Date().toISOString()} FATAL [unleash-server-main] ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
