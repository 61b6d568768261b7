import type { Redis } from 'ioredis';

/** One connection as CLIENT LIST describes it: every `key=value` field of its line (id, name, cmd…). */
export type ClientInfo = Readonly<Record<string, string>>;

/** The server's connections (CLIENT LIST). Client names hold no spaces, so a line splits on them. */
export async function clientList(redis: Redis): Promise<ClientInfo[]> {
  return String(await redis.client('LIST'))
    .split('\n')
    .filter((line) => line.startsWith('id='))
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((field) => {
            const at = field.indexOf('=');
            return [field.slice(0, at), field.slice(at + 1)];
          }),
      ),
    );
}

/**
 * Calls of these commands (as INFO commandstats names them, e.g. `client|unblock`) so far: those that
 * succeeded, or with `failed: true` all of them (a script whose reply holds an error counts as failed).
 */
export async function calls(redis: Redis, ...cmds: string[]): Promise<number>;
export async function calls(redis: Redis, opts: { failed: true }, ...cmds: string[]): Promise<number>;
export async function calls(redis: Redis, ...rest: (string | { failed: true })[]): Promise<number> {
  const withFailed = typeof rest[0] === 'object';
  const cmds = rest.filter((c): c is string => typeof c === 'string');
  const info = await redis.info('commandstats');
  let n = 0;
  for (const cmd of cmds) {
    const m = new RegExp(`cmdstat_${cmd.replace('|', '\\|')}:calls=(\\d+).*failed_calls=(\\d+)`).exec(info);
    if (m) n += Number(m[1]) - (withFailed ? 0 : Number(m[2]));
  }
  return n;
}
