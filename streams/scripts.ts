import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

/**
 * A Lua script from `streams/lua/<name>-<keyCount>.lua` (`-n`: as many keys as the call passes),
 * run by EVALSHA with an EVAL fallback.
 */
export class Script {
  readonly sha: string;
  /** null: variadic (`<name>-n.lua`). */
  readonly numKeys: number | null;
  private readonly lua: string;

  constructor(readonly file: URL) {
    this.lua = readFileSync(file, 'utf8');
    this.sha = createHash('sha1').update(this.lua).digest('hex');
    const m = /-(\d+|n)\.lua$/.exec(file.pathname);
    if (!m) throw new Error(`Lua script ${file.pathname} must be named <name>-<keyCount|n>.lua`);
    this.numKeys = m[1] === 'n' ? null : Number(m[1]);
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (this.numKeys !== null && keys.length !== this.numKeys) {
      throw new Error(`${this.file.pathname} takes ${this.numKeys} keys`);
    }
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // After a Redis restart or failover the script cache is empty: EVAL loads it again.
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return client.eval(this.lua, keys.length, ...keys, ...args);
      }
      throw err;
    }
  }
}

const lua = (name: string) => new Script(new URL(`./lua/${name}.lua`, import.meta.url));

export const scripts = {
  commit: lua('commit-n'),
  ack: lua('ack-3'),
  acquire: lua('acquire-2'),
  renew: lua('renew-1'),
  release: lua('release-1'),
  dueTimers: lua('due-timers-3'),
  read: lua('read-2'),
  relay: lua('relay-n'),
};
