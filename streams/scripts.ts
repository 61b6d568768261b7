import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'ioredis';
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
      return await send(client, 'evalsha', this.sha, keys, args);
    } catch (err) {
      // After a Redis restart or failover the script cache is empty: EVAL loads it again.
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
        return send(client, 'eval', this.lua, keys, args);
      }
      throw err;
    }
  }
}

/**
 * EVALSHA / EVAL with arguments that are flat already. ioredis's own command methods run
 * `Array.prototype.flat` over every argument (≈ 60 ns each in V8: a commit of 100 messages has
 * ≈ 900 arguments, and that was ≈ 5 % of the worker's CPU per message). Here the command is made
 * empty and then given its arguments, as strings (what its constructor would have made of them).
 * `Command.args` is public; nothing else of the command changes: the reply is decoded as UTF-8
 * like `evalsha`'s, and Cluster routes it by its first key. It is sent at once, not through the
 * auto-pipeline, which would copy the large command into a second write for nothing.
 */
function send(
  client: RedisClient,
  name: 'evalsha' | 'eval',
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const cmd = new Command(name, [], { replyEncoding: 'utf8' });
  const all: string[] = [script, String(keys.length), ...keys];
  for (const a of args) all.push(typeof a === 'string' ? a : String(a)); // as the constructor would
  cmd.args = all;
  void client.sendCommand(cmd);
  return cmd.promise as Promise<unknown>;
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
