import { performance } from 'node:perf_hooks';
import { encode, type Envelope } from './codec.js';
import { Committer } from './committer.js';
import { FencedError } from './errors.js';
import { scripts } from './scripts.js';
import type { Handling, RunnerEnv, Unit } from './unit.js';
import { describe } from './stream-io.js';
import { retryAfter } from './retries.js';
import type { Message, Subscriber } from './types.js';

type Op =
  | { readonly kind: 'A'; readonly entryId: string }
  | { readonly kind: 'D'; readonly entryId: string; readonly reason: string; readonly payload: string };

export interface SubscriberSettings {
  /** Attempts before dead-lettering; Infinity keeps retrying (the notifier, while a gateway is down). */
  readonly maxAttempts: number;
  readonly maxBackoffMs: number;
}

/**
 * Handling for one subscriber's shard of an event stream: at-least-once delivery to an
 * idempotent handler, then a fenced, batched XACK. Per-key order holds as for actors.
 */
export class SubscriberHandling implements Handling {
  /** When a handler last finished an attempt (the watchdog's sign of life). */
  lastActivity = 0;
  private readonly committer: Committer<Op, 'OK'>;
  private readonly epochKey: string;
  private readonly dlqKey: string;
  /** Bound once: prom-client's startTimer allocates closures and a labels object per call. */
  private readonly handlerSeconds: { observe(seconds: number): void };

  constructor(
    private readonly env: RunnerEnv,
    private readonly unit: Unit,
    private readonly epoch: number,
    private readonly subscriber: Subscriber<Message>,
    private readonly settings: SubscriberSettings,
  ) {
    this.epochKey = env.keys.epoch(unit.root, unit.group);
    this.dlqKey = env.keys.deadLetters(unit.root, unit.group);
    this.committer = new Committer((ops) => this.ack(ops), env.settings.batchSize);
    this.handlerSeconds = env.metrics.handlerDuration.labels({ type: unit.group });
  }

  recover(): Promise<void> {
    return Promise.resolve();
  }

  async handle(entryId: string, env: Envelope, signal: AbortSignal, attempted?: () => void): Promise<void> {
    const { metrics } = this.env;
    const type = this.unit.group;
    let event: Message;
    try {
      event = this.subscriber.decode({ type: env.type, data: env.data });
    } catch (err) {
      return this.deadLetter(entryId, env.id, describe(err), encode(env));
    }
    try {
      // The first attempt runs bare, as for actors: p-retry's machinery on every event was ~4 % of
      // the store's busy CPU in the orders bench, and almost every event succeeds at once.
      await this.attempt(event, env, 1);
      attempted?.();
    } catch (first) {
      attempted?.();
      const { maxAttempts, maxBackoffMs } = this.settings;
      const policy = { maxAttempts, firstBackoffMs: 100, maxBackoffMs };
      const onRetry = () => metrics.retried.inc({ type });
      const r = await retryAfter(first, (n) => this.attempt(event, env, n), policy, signal, onRetry);
      if ('failed' in r) return this.deadLetter(entryId, env.id, describe(r.failed), encode(env));
    }
    await this.committer.submit({ kind: 'A', entryId }); // counted in `handled` by the ack, once per batch
  }

  /** One run of the handler, timed. */
  private async attempt(event: Message, env: Envelope, attempt: number): Promise<void> {
    const t0 = performance.now();
    try {
      await this.subscriber.handle(event, { key: env.key, eventId: env.id, attempt });
    } finally {
      this.handlerSeconds.observe((performance.now() - t0) / 1000);
      this.lastActivity = Date.now();
    }
  }

  async deadLetter(entryId: string, _msgId: string, reason: string, payload: string): Promise<void> {
    await this.committer.submit({ kind: 'D', entryId, reason, payload });
    this.env.metrics.deadLettered.inc({ type: this.unit.group });
    this.env.log.warn(
      { unit: `${this.unit.group}/${this.unit.shard}`, entryId, reason },
      'event dead-lettered',
    );
  }

  tick(): Promise<void> {
    return Promise.resolve();
  }

  flushed(): Promise<void> {
    return this.committer.idle();
  }

  private async ack(ops: Op[]): Promise<'OK'[]> {
    const args: (string | number)[] = [this.unit.group, String(this.epoch), Date.now(), ops.length];
    let handled = 0;
    for (const op of ops) {
      if (op.kind === 'A') {
        args.push('A', op.entryId);
        handled++;
      } else args.push('D', op.entryId, op.reason, op.payload);
    }
    const reply = await scripts.ack.run(this.env.redis, [this.unit.stream, this.epochKey, this.dlqKey], args);
    if (reply === 'FENCED') throw new FencedError(`${this.unit.group}/${this.unit.shard}`);
    if (handled > 0) this.env.metrics.handled.inc({ type: this.unit.group }, handled);
    return ops.map(() => 'OK' as const);
  }
}
