/**
 * The BullMQ side of the runtime bench, as its own process: one Worker, concurrency 50, no-op jobs,
 * completed jobs removed (as the runtime deletes acknowledged mailbox entries).
 */
import { Worker } from 'bullmq';
import { serveStats } from './child.js';

const env = process.env;
const url = new URL(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
let done = 0;
let firstAt = 0;
let lastAt = 0;

const worker = new Worker(env.QUEUE ?? 'bench', () => Promise.resolve(), {
  connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
  prefix: env.KEY_PREFIX ?? 'bull',
  concurrency: Number(env.CONCURRENCY ?? 50),
  removeOnComplete: { count: 0 },
  removeOnFail: { count: 1000 },
  autorun: false,
});
// The rate runs from the first job taken (as the actor side: its first handler start) to the last done.
worker.on('active', () => {
  if (firstAt === 0) firstAt = Date.now();
});
worker.on('completed', () => {
  lastAt = Date.now();
  done++;
});
worker.on('error', () => undefined);

await serveStats(() => ({ done, firstAt, lastAt }));
await worker.waitUntilReady();
process.stdout.write('ready\n');
void worker.run();

process.once('SIGTERM', () => {
  void worker.close().then(() => process.exit(0));
});
