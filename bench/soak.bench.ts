/**
 * `npm run bench:soak`: MESSAGES handled messages (default 1,000,000, as the performance issue
 * asks) through one worker process, with memory watched on both sides.
 *
 * Load: the bench feeds `Add` messages to the `acc` actors over KEYS keys; each is handled,
 * committed and sends one `Fwd` message on to a `fwd` actor, which this worker runs too (so every
 * stream is consumed and trimmed: mailbox entries are deleted on commit, outbox entries on relay).
 * MESSAGES counts both kinds: MESSAGES/2 are fed. The feeder keeps the backlog under BACKLOG, so
 * Redis holds a bounded amount of unfinished work, as in a steady production flow.
 *
 * Memory: the worker's RSS and Redis `used_memory` are sampled every 250 ms. Warm-up is the first
 * WARMUP fraction of the run; the figures compared are medians over the 10% after warm-up and over
 * the last 10% (medians: GC and allocator make both saw-tooth). Goal: worker RSS grows < 10%, and
 * Redis memory stays bounded (< 25% growth: seen-sets hold SEEN_RETENTION_MS of message ids, trimmed
 * by age on every commit, so they plateau once the run is longer than the retention). The default
 * retention is 3 s (the product's is 1 h) so that it plateaus before the warm-up ends even at the
 * ~55k msgs/s one worker now reaches (1M messages in ~18 s): with 30 s the whole run fit in the
 * retention and the seen-sets could only grow.
 *
 * Prints one JSON line. Knobs (env): BENCH_SOAK_MESSAGES (default 1000000), KEYS (10000), SHARDS,
 * BACKLOG (20000), SEEN_RETENTION_MS (3000), WARMUP (0.2).
 */
import { Redis } from 'ioredis';
import { encode, envelope } from '../streams/codec.js';
import { Keys } from '../streams/keys.js';
import { Router } from '../streams/router.js';
import { killAll, waitFor } from '../test/support/processes.js';
import { RedisServer } from '../test/support/redis-server.js';
import { num, round, startWorkers, waitSettled } from './support/actor-load.js';

const MESSAGES = num('BENCH_SOAK_MESSAGES', 1_000_000);
const KEYS = num('KEYS', 10_000);
const SHARDS = num('SHARDS', 16);
const BACKLOG = num('BACKLOG', 20_000);
const SEEN_RETENTION_MS = num('SEEN_RETENTION_MS', 3_000);
const WARMUP = num('WARMUP', 0.2);
const RSS_GOAL = 0.1;
const REDIS_GOAL = 0.25;

interface Sample {
  readonly done: number;
  readonly rssMb: number;
  readonly redisMb: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor(s.length / 2)] ?? 0);
};

async function redisMb(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return round(Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0) / 2 ** 20);
}

/** Stream lengths and seen-set sizes at the end: what Redis holds besides the states. */
async function footprint(redis: Redis, keys: Keys): Promise<Record<string, number>> {
  let mailboxes = 0;
  let outboxes = 0;
  let seen = 0;
  for (const t of ['acc', 'fwd']) {
    for (let s = 0; s < SHARDS; s++) {
      mailboxes += await redis.xlen(keys.mailbox(t, s));
      outboxes += await redis.xlen(keys.outbox(t, s));
      seen += await redis.zcard(keys.seen(t, s));
    }
  }
  return { mailbox_entries: mailboxes, outbox_entries: outboxes, seen_ids: seen };
}

const server = await RedisServer.start();
const redis = new Redis(server.port, '127.0.0.1');
try {
  const prefix = 'bench-soak';
  const keys = new Keys(prefix);
  const router = new Router(keys, SHARDS, 1);
  const [w] = await startWorkers(1, {
    REDIS_URL: server.url,
    KEY_PREFIX: prefix,
    SHARDS: String(SHARDS),
    FWD_RUN: '1',
    SEEN_RETENTION_MS: String(SEEN_RETENTION_MS),
  });
  const worker = w!;
  await waitSettled([worker], 2 * SHARDS); // acc and fwd shards
  const samples: Sample[] = [];
  const t0 = Date.now();
  let fed = 0;
  let done = 0;
  let lastSample = 0;
  const toFeed = Math.ceil(MESSAGES / 2);
  while (done < MESSAGES) {
    done = (await worker.stats()).done;
    if (Date.now() - lastSample >= 250) {
      lastSample = Date.now();
      samples.push({ done, rssMb: worker.rssMb(), redisMb: await redisMb(redis) });
    }
    // Each fed message yields two handled ones (acc, then fwd).
    const room = Math.min(toFeed - fed, BACKLOG - (2 * fed - done));
    if (room >= 500) {
      const p = redis.pipeline();
      const now = Date.now();
      for (let i = 0; i < room; i++, fed++) {
        const key = `k${fed % KEYS}`;
        p.xadd(
          router.mailbox({ type: 'acc', key }),
          '*',
          'm',
          encode(envelope(key, { type: 'Add', data: { v: fed } }, now)),
        );
      }
      await p.exec();
    } else {
      await new Promise((r) => setTimeout(r, 50)); // the worker has enough queued: let it run
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  // Trimming of seen-sets happens on commit: the last ones settle right after the last commit.
  await waitFor(async () => (await footprint(redis, keys)).outbox_entries === 0, { timeoutMs: 30_000 });
  const end = await footprint(redis, keys);
  const stats = await worker.stats(true);
  const peakMb = worker.peakRssMb();
  await worker.stop();

  const window = (from: number, to: number): Sample[] => {
    const inside = samples.filter((s) => s.done >= from * MESSAGES && s.done < to * MESSAGES);
    const next = samples.find((s) => s.done >= from * MESSAGES) ?? samples[samples.length - 1];
    return inside.length > 0 ? inside : next ? [next] : [];
  };
  const after = window(WARMUP, WARMUP + 0.1);
  const last = window(0.9, 1.01);
  const rssWarm = median(after.map((s) => s.rssMb));
  const rssEnd = median(last.map((s) => s.rssMb));
  const redisWarm = median(after.map((s) => s.redisMb));
  const redisEnd = median(last.map((s) => s.redisMb));
  const rssGrowth = round(rssEnd / rssWarm - 1);
  const redisGrowth = round(redisEnd / redisWarm - 1);
  const result = {
    bench: 'soak',
    messages: MESSAGES,
    msgs_per_s: Math.round(MESSAGES / seconds),
    seconds: Math.round(seconds),
    worker_rss_mb: { after_warmup: rssWarm, end: rssEnd, peak: peakMb },
    worker_rss_growth: rssGrowth,
    redis_used_mb: {
      after_warmup: redisWarm,
      end: redisEnd,
      max: Math.max(...samples.map((s) => s.redisMb)),
    },
    redis_growth: redisGrowth,
    redis_at_end: end,
    goal: `worker_rss_growth < ${RSS_GOAL} and redis_growth < ${REDIS_GOAL}`,
    pass: rssGrowth < RSS_GOAL && redisGrowth < REDIS_GOAL,
    handler_to_commit_p99_ms: round(stats.p99Ms ?? 0),
    keys: KEYS,
    shards: SHARDS,
    backlog: BACKLOG,
    seen_retention_ms: SEEN_RETENTION_MS,
    warmup_fraction: WARMUP,
    samples: samples.length,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  redis.disconnect();
  await server.stop();
  await killAll();
}
