/**
 * Mocha root hooks: one private redis-server for the whole run (started on first use), a fresh
 * key prefix per test, sinon restored after each test, every started process stopped at the end,
 * and an unhandled rejection fails the run.
 */
import { randomBytes } from 'node:crypto';
import sinon from 'sinon';
import { killAll } from './processes.js';
import { RedisServer } from './redis-server.js';

let shared: Promise<RedisServer> | null = null;
const cleanups: (() => Promise<void>)[] = [];

/** The run's shared redis-server (AOF off): each test isolates itself with its own key prefix. */
export function sharedRedis(): Promise<RedisServer> {
  shared ??= RedisServer.start();
  return shared;
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/** Register something to stop when the run ends (servers, clients). */
export function onRunEnd(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

export const mochaHooks = {
  afterEach(): void {
    sinon.restore();
    if (unhandled.length > 0) {
      const reason = unhandled.splice(0);
      throw new Error(`unhandled rejection during the test: ${String(reason[0])}`);
    }
  },
  async afterAll(): Promise<void> {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
    if (shared) await (await shared).stop().catch(() => undefined);
    await killAll();
    if (unhandled.length > 0) throw new Error(`unhandled rejection: ${String(unhandled[0])}`);
  },
};
