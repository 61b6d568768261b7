/**
 * A Lua script of outbound/payment/ from its own file, named with its key count
 * (`ledger-charge-2.lua`), run with EVALSHA and sent with EVAL only when the server does not know
 * it yet (NOSCRIPT: after a Redis restart, or on a cluster node that has not seen it).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

/** The ioredis clients the simulator's books accept: a single node or a cluster. */
export type RedisClient = Redis | Cluster;

export class LuaScript {
  readonly sha: string;
  private constructor(
    readonly name: string,
    private readonly source: string,
    readonly numKeys: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Reads `outbound/payment/<fileName>`; the key count comes from the `-N.lua` suffix. */
  static load(fileName: string): LuaScript {
    const m = /-(\d+)\.lua$/.exec(fileName);
    if (!m) throw new Error(`Lua script file ${fileName} must end in -<key count>.lua`);
    return new LuaScript(fileName, readFileSync(locate(fileName), 'utf8'), Number(m[1]));
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (keys.length !== this.numKeys)
      throw new Error(`${this.name} takes ${this.numKeys} keys, got ${keys.length}`);
    try {
      return await client.evalsha(this.sha, this.numKeys, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.source, this.numKeys, ...keys, ...args);
    }
  }
}

/** tsc does not copy .lua files: beside the module when the build copied them, else the sources. */
function locate(fileName: string): string {
  const candidates = [
    new URL(fileName, import.meta.url),
    new URL(`../../../outbound/payment/${fileName}`, import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `Lua script ${fileName} not found beside ${fileURLToPath(import.meta.url)}: run node scripts/copy-assets.mjs after tsc`,
  );
}
