import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config, Role } from '../config/index.js';
import type { ReadModels } from '../views/port.js';
import type { Authenticator } from './auth.js';
import type { EdgeMetrics } from './metrics.js';
import type { AdminPort, HealthPort, StoreGateway } from './ports.js';

/** What the edge needs from the rest of the process. */
export interface AppDeps {
  readonly config: Config;
  readonly gateway: StoreGateway;
  readonly views: ReadModels;
  readonly redis: Redis | Cluster;
  /** Prefix of the edge's own Redis keys (rate limits, idempotency keys). */
  readonly keyPrefix: string;
  readonly admin: AdminPort;
  readonly health: HealthPort;
  readonly registry: Registry;
  readonly logger: Logger;
  /** This process's roles: without 'edge' only the operations routes are served. */
  readonly roles: readonly Role[];
}

/** What route factories get: the app's dependencies plus the edge's own services. */
export interface RouteDeps extends AppDeps {
  readonly auth: Authenticator;
  readonly metrics: EdgeMetrics;
  /** Order mailbox backlog, cached for about a second (load shedding). */
  readonly orderBacklog: () => Promise<number>;
}
