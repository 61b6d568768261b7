#!/usr/bin/env node
/**
 * appliance-store start [--roles all|edge,order,payment,store,delivery,projector,notifier] [--port N]
 * Bad configuration: one line naming the variable, exit code 2. SIGTERM/SIGINT: graceful stop, exit 0
 * (exit 1 if it has not finished after STOP_TIMEOUT_MS, or at a second signal).
 */
import { ConfigError, loadConfig, type CliOverrides } from '../config/index.js';
import { startStore } from '../app/compose.js';
import { storeLogger } from '../app/logger.js';
import { StartupError } from '../app/startup-error.js';

function parseArgs(argv: readonly string[]): { command: string; cli: CliOverrides } {
  const [command = 'start', ...rest] = argv;
  const cli: { roles?: string; port?: string } = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = inline ?? rest[++i];
    if (flag === '--roles' && value !== undefined) cli.roles = value;
    else if (flag === '--port' && value !== undefined) cli.port = value;
    else
      throw new ConfigError(
        flag,
        `unknown or incomplete option (usage: appliance-store start [--roles …] [--port N])`,
      );
  }
  return { command, cli };
}

async function main(): Promise<void> {
  let config;
  try {
    const { command, cli } = parseArgs(process.argv.slice(2));
    if (command !== 'start')
      throw new ConfigError('command', `unknown command "${command}" (usage: appliance-store start …)`);
    config = loadConfig(process.env, cli);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`appliance-store: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = storeLogger({ level: config.logLevel, base: { roles: config.roles.join(',') } });
  let store;
  try {
    store = await startStore(config, log);
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`appliance-store: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // SIGTERM/SIGINT: a graceful stop. One that has not finished after STOP_TIMEOUT_MS (Redis away:
  // nothing can be flushed or released), or a second signal, ends the process with exit code 1:
  // what was not finished stays pending for the shards' next owners, and the leases lapse.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now; unfinished work stays pending for the next owners');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      log.error(
        { stopTimeoutMs: config.stopTimeoutMs },
        'the stop did not finish in time (a store it waits on, Redis or Mongo, may be away or slow); exiting: unfinished work stays pending for the next owners',
      );
      process.exit(1);
    }, config.stopTimeoutMs);
    store.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
