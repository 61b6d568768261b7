import type { Logger } from 'pino';
import { encode, envelope, newMessageId } from './codec.js';
import { RequestTimeoutError } from './errors.js';
import { blockingConnection, raw, type RedisClient } from './redis.js';
import type { Router } from './router.js';
import type { Address, Message } from './types.js';
import { RateLimitedLog } from './log.js';
import { streamEntries } from './stream-io.js';

interface Waiting {
  resolve: (body: unknown) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over streams: a request is a mailbox entry carrying this process's reply stream
 * and a correlation id; the actor's answer comes back through its outbox into that stream, read
 * here by one blocking XREAD loop.
 */
export class Requester {
  private readonly waiting = new Map<string, Waiting>();
  private conn: RedisClient | null = null;
  private closing = false;
  private loop: Promise<void> = Promise.resolve();
  private lastId = '$';
  private readonly errors: RateLimitedLog;

  constructor(
    private readonly redis: RedisClient,
    private readonly router: Router,
    readonly replyStream: string,
    log: Logger,
  ) {
    this.errors = new RateLimitedLog(log, 10_000);
  }

  async start(): Promise<void> {
    // Start reading from the stream's current end (and not '$' per call: nothing is missed between reads).
    const last = (await raw(this.redis, 'XREVRANGE', this.replyStream, '+', '-', 'COUNT', 1)) as unknown[];
    this.lastId = Array.isArray(last[0]) ? String(last[0][0]) : '0-0';
    this.loop = this.run();
  }

  async request(to: Address, msg: Message, timeoutMs: number): Promise<unknown> {
    const corr = newMessageId();
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(corr);
        reject(new RequestTimeoutError(`${to.type}/${to.key}`, timeoutMs));
      }, timeoutMs);
      this.waiting.set(corr, { resolve, reject, timer });
    });
    // The timeout may fire while the XADD below still waits (a failover, a slow Redis): mark the
    // answer handled now so that rejection is never unhandled; the caller still receives it.
    answer.catch(() => undefined);
    try {
      const env = envelope(to.key, msg, Date.now(), { stream: this.replyStream, corr });
      await raw(this.redis, 'XADD', this.router.mailbox(to), '*', 'm', encode(env));
    } catch (err) {
      const w = this.waiting.get(corr);
      if (w) {
        clearTimeout(w.timer);
        this.waiting.delete(corr);
      }
      throw err;
    }
    return answer;
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.conn?.disconnect();
    await this.loop;
    for (const [, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new Error('shutting down'));
    }
    this.waiting.clear();
    await this.redis.del(this.replyStream).catch(() => 0);
  }

  private async run(): Promise<void> {
    let lastExpire = 0;
    while (!this.closing) {
      this.conn ??= blockingConnection(this.redis);
      try {
        if (Date.now() - lastExpire > 60_000) {
          // A reply stream outlives its process by a day at most.
          await this.redis.expire(this.replyStream, 86_400).catch(() => 0);
          lastExpire = Date.now();
        }
        const reply = await raw(
          this.conn,
          'XREAD',
          'COUNT',
          500,
          'BLOCK',
          1000,
          'STREAMS',
          this.replyStream,
          this.lastId,
        );
        const entries = streamEntries(reply);
        const ids: string[] = [];
        for (const e of entries) {
          if (!Array.isArray(e)) continue;
          const id = String(e[0]);
          this.lastId = id;
          ids.push(id);
          const fields = e[1] as unknown[];
          const json = fields[0] === 'm' ? String(fields[1]) : null;
          if (json === null) continue;
          const { c, b } = JSON.parse(json) as { c: string; b: unknown };
          const w = this.waiting.get(c);
          if (w) {
            clearTimeout(w.timer);
            this.waiting.delete(c);
            w.resolve(b);
          }
        }
        if (ids.length > 0) await raw(this.redis, 'XDEL', this.replyStream, ...ids);
      } catch (err) {
        if (this.closing) break;
        this.errors.warn('reply-read', { err }, 'reading replies failed; retrying');
        this.conn?.disconnect();
        this.conn = null;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
