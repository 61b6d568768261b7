/**
 * The store's logger: pino with the paths that may hold secrets redacted, and errors serialized
 * without what they carry of a Redis command or of a raw request. ioredis puts the whole command
 * on its errors (`err.command = { name, args }`): a failed XADD of an order request or a failed
 * commit would otherwise log payment tokens, addresses and states, inside strings no redact path
 * can reach; Node's HTTP parser puts the raw bytes of a request it failed on on its error.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS } from '../http/observe.js';

type Serialized = Record<string, unknown>;

/**
 * Keeps a Redis command's name, drops its arguments, here and in the causes below; drops the raw
 * bytes of a request Node's HTTP parser failed on (`rawPacket`: bearer and payment tokens).
 */
function withoutCommandArgs(value: Serialized, depth = 0): Serialized {
  const command = value.command as { name?: unknown } | undefined;
  const { rawPacket: _raw, ...out }: Serialized = { ...value };
  if (typeof command === 'object' && command !== null) out.command = { name: command.name };
  const deeper = (v: unknown): unknown =>
    typeof v === 'object' && v !== null
      ? Array.isArray(v)
        ? v.map(deeper)
        : withoutCommandArgs(v as Serialized, depth + 1)
      : v;
  if (depth < 3) {
    for (const [k, v] of Object.entries(out)) if (k !== 'command') out[k] = deeper(v);
  }
  return out;
}

/** pino's error serializer, without Redis command arguments. */
export function safeErr(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  return withoutCommandArgs(pino.stdSerializers.err(err));
}

export function storeLogger(
  options: { readonly level: string; readonly base?: Record<string, unknown> },
  destination?: DestinationStream,
): Logger {
  const opts = {
    level: options.level,
    ...(options.base ? { base: options.base } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: safeErr },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
