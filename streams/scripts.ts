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

  /** `numKeys` null: variadic (`<name>-n.lua`). */
  constructor(
    readonly name: string,
    private readonly lua: string,
    readonly numKeys: number | null,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  static fromFile(file: URL): Script {
    const m = /([^/]+)-(\d+|n)\.lua$/.exec(file.pathname);
    if (!m) throw new Error(`Lua script ${file.pathname} must be named <name>-<keyCount|n>.lua`);
    return new Script(m[0], readFileSync(file, 'utf8'), m[2] === 'n' ? null : Number(m[2]));
  }

  /**
   * This script run once per section, in one call (variadic). ARGV: the section count n, then each
   * section's key count and argument count, then every section's arguments in turn; KEYS: every
   * section's keys in turn. Replies with the list of the sections' replies, in order. Each section
   * runs exactly as a call of its own would (its own fencing check, its own reply), so sections
   * must not depend on one another. One node only: the sections' keys span hash slots.
   */
  many(): ManyScript {
    const lua = [
      `-- ${this.name}, once per section (streams/scripts.ts, Script.many)`,
      'local function one(KEYS, ARGV)',
      this.lua,
      'end',
      'local n = tonumber(ARGV[1])',
      'local ko, ao = 0, 1 + 2 * n',
      'local replies = {}',
      'for s = 1, n do',
      '  local nk, na = tonumber(ARGV[2 * s]), tonumber(ARGV[2 * s + 1])',
      '  local ks, as = {}, {}',
      '  for j = 1, nk do ks[j] = KEYS[ko + j] end',
      '  for j = 1, na do as[j] = ARGV[ao + j] end',
      '  ko, ao = ko + nk, ao + na',
      '  replies[s] = one(ks, as)',
      'end',
      'return replies',
    ].join('\n');
    return new ManyScript(new Script(`${this.name} (many)`, lua, null));
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (this.numKeys !== null && keys.length !== this.numKeys) {
      throw new Error(`${this.name} takes ${this.numKeys} keys`);
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

/** One section of a `many` call: the keys and arguments one call of the script would get. */
export interface Section {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
}

/** A script run once per section in one call (`Script.many`): lays the sections out as it reads them. */
export class ManyScript {
  constructor(readonly script: Script) {}

  /** Each section's reply, in the sections' order. */
  async run(client: RedisClient, sections: readonly Section[]): Promise<unknown[]> {
    const keys: string[] = [];
    const args: (string | number)[] = [sections.length];
    for (const s of sections) args.push(s.keys.length, s.args.length);
    for (const s of sections) {
      keys.push(...s.keys);
      args.push(...s.args);
    }
    return (await this.script.run(client, keys, args)) as unknown[];
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

const lua = (name: string) => Script.fromFile(new URL(`./lua/${name}.lua`, import.meta.url));

export const scripts = {
  commit: lua('commit-n'),
  ack: lua('ack-3'),
  acquire: lua('acquire-2'),
  renew: lua('renew-1'),
  release: lua('release-1'),
  dueTimers: lua('due-timers-3'),
  read: lua('read-2'),
  relay: lua('relay-n'),
  append: lua('append-1'),
  present: lua('present-1'),
  replay: lua('replay-2'),
};
