/**
 * The system under chaos: a redis-server with AOF (`appendfsync always`), a toxiproxy proxy in
 * front of it for the workers, the payment provider and the notification gateway run by the test,
 * and every role of the store in processes of its own (two or more per worker role, two edges).
 * Slots keep their port, so a killed process comes back where clients expect it.
 */
import { Redis } from 'ioredis';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import { uniquePrefix } from '../support/hooks.js';
import { freePort, stopProcess, waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { startStoreProcess, storeEnv, type StoreProcess } from '../support/store-process.js';
import { startToxiproxy, type Proxy } from '../support/toxiproxy.js';

export const WORKER_ROLES = ['order', 'payment', 'store', 'delivery', 'projector', 'notifier'] as const;
export type SlotRole = (typeof WORKER_ROLES)[number] | 'edge';

/** One process position: a role and a port; the process in it may be dead, paused or running. */
export interface Slot {
  readonly name: string;
  readonly role: SlotRole;
  readonly port: number;
  proc: StoreProcess | null;
  paused: boolean;
}

export interface WorldOptions {
  readonly workersPerRole: number;
  readonly edges: number;
  readonly leaseTtlMs: number;
  readonly pspTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly shards: number;
}

export class ChaosWorld {
  readonly slots: Slot[] = [];
  /** A direct connection to Redis for the test (poison, inspection), outside the proxy. */
  admin!: Redis;
  redis!: RedisServer;
  proxy!: Proxy;
  psp!: FakePsp;
  gateway!: FakeGateway;
  readonly prefix = uniquePrefix();
  private redisRunning = true;

  private constructor(readonly o: WorldOptions) {}

  static async start(o: WorldOptions): Promise<ChaosWorld> {
    const w = new ChaosWorld(o);
    w.redis = await RedisServer.start({ appendonly: true, appendfsync: 'always' });
    const tp = await startToxiproxy();
    w.proxy = await tp.createProxy(`chaos-${w.prefix}`, `127.0.0.1:${w.redis.port}`);
    w.psp = await startFakePsp();
    w.gateway = await startFakeGateway();
    w.admin = new Redis(w.redis.port, '127.0.0.1', {
      maxRetriesPerRequest: 3,
      retryStrategy: (n) => Math.min(100 * n, 1000),
    });
    w.admin.on('error', () => undefined); // Redis is killed on purpose; commands retry
    for (let i = 0; i < o.edges; i++)
      w.slots.push({ name: `edge-${i}`, role: 'edge', port: await freePort(), proc: null, paused: false });
    for (const role of WORKER_ROLES) {
      for (let i = 0; i < o.workersPerRole; i++)
        w.slots.push({ name: `${role}-${i}`, role, port: await freePort(), proc: null, paused: false });
    }
    // Workers first (the edge's readiness does not need them, but the first orders do), a few at
    // a time: fourteen Node processes booting at once on two shared cores outlast any timeout.
    await inBatches(w.workers(), 3, (s) => w.launch(s, 'ready'));
    await inBatches(w.edges(), 3, (s) => w.launch(s, 'ready'));
    return w;
  }

  edges(): Slot[] {
    return this.slots.filter((s) => s.role === 'edge');
  }

  workers(): Slot[] {
    return this.slots.filter((s) => s.role !== 'edge');
  }

  edgeUrls(): string[] {
    return this.edges().map((s) => `http://127.0.0.1:${s.port}`);
  }

  /** Workers reach Redis through the proxy (network faults); edges and the test directly. */
  private env(slot: Slot): Record<string, string> {
    const url = slot.role === 'edge' ? this.redis.url : this.proxy.redisUrl;
    return storeEnv(url, this.prefix, {
      PSP_URL: this.psp.url,
      NOTIFY_URL: this.gateway.url,
      COURIERS: 'courier-1',
      SHARDS: String(this.o.shards),
      EVENT_SHARDS: String(this.o.shards),
      LEASE_TTL_MS: String(this.o.leaseTtlMs),
      PSP_TIMEOUT_MS: String(this.o.pspTimeoutMs),
      REQUEST_TIMEOUT_MS: String(this.o.requestTimeoutMs),
      // Charges in doubt (a flapping provider) are settled, and voided, within the run.
      PAYMENT_SETTLE_MS: '3000',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'error',
    });
  }

  async launch(slot: Slot, wait: 'ready' | 'live' = 'live'): Promise<void> {
    slot.proc = await startStoreProcess({
      roles: slot.role,
      env: this.env(slot),
      port: slot.port,
      waitFor: wait,
    });
    slot.paused = false;
  }

  /** SIGKILL the slot's process (no goodbye: leases and in-flight work are left behind). */
  async kill(slot: Slot): Promise<void> {
    const p = slot.proc;
    slot.proc = null;
    if (!p) return;
    if (slot.paused) p.child.kill('SIGCONT');
    slot.paused = false;
    await stopProcess(p.child, 'SIGKILL');
  }

  pause(slot: Slot): void {
    if (!slot.proc || slot.paused) return;
    slot.proc.child.kill('SIGSTOP');
    slot.paused = true;
  }

  resume(slot: Slot): void {
    if (!slot.proc || !slot.paused) return;
    slot.proc.child.kill('SIGCONT');
    slot.paused = false;
  }

  async killRedis(): Promise<void> {
    this.redisRunning = false;
    await this.redis.kill('SIGKILL');
  }

  /** Restart on the same port and data dir: the AOF replays every acknowledged write. */
  async restartRedis(): Promise<void> {
    if (this.redisRunning) return;
    await this.redis.launch();
    this.redisRunning = true;
  }

  /** Undo every fault: Redis up, no toxics, processes running, provider and gateway up. */
  async healAll(): Promise<void> {
    await this.restartRedis();
    await this.proxy.clearToxics();
    await this.proxy.enable();
    await this.psp.setMode('up');
    this.gateway.setDown(false);
    for (const s of this.slots) this.resume(s);
    await Promise.all(
      this.slots
        .filter((s) => !s.proc || s.proc.child.exitCode !== null || s.proc.child.signalCode !== null)
        .map((s) => this.launch(s)),
    );
  }

  /** Every process answers /readyz (holds its shards, Redis answers). */
  async allReady(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const ok = await Promise.all(
          this.slots.map(
            async (s) =>
              (await fetch(`http://127.0.0.1:${s.port}/readyz`, { signal: AbortSignal.timeout(2000) }))
                .status === 200,
          ),
        );
        return ok.every(Boolean);
      },
      { timeoutMs, intervalMs: 250, what: 'every store process ready after healing' },
    );
  }

  async stop(): Promise<void> {
    for (const s of this.slots) this.resume(s);
    await Promise.all(this.slots.map(async (s) => void (await s.proc?.stop('SIGTERM'))));
    this.admin.disconnect();
    await this.proxy.clearToxics().catch(() => undefined);
    await this.redis.stop();
  }
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}
