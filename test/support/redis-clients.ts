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
