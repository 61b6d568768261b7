/**
 * The one place that reads the environment: parsed, validated and frozen. Bad configuration
 * throws a ConfigError naming the variable; `bin/` prints that one line and exits with code 2.
 */
export const ROLES = ['edge', 'order', 'payment', 'store', 'delivery', 'projector', 'notifier'] as const;
export type Role = (typeof ROLES)[number];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export interface Config {
  readonly roles: readonly Role[];
  readonly port: number;
  readonly redisUrl: string | null;
  readonly redisClusterNodes: readonly { host: string; port: number }[] | null;
  readonly mongoUrl: string | null;
  readonly pspUrl: string | null;
  readonly notifyUrl: string | null;
  readonly authMode: 'dev' | 'jwt';
  readonly jwtSecret: string;
  readonly jwksUrl: string | null;
  readonly jwtIssuer: string | null;
  readonly jwtAudience: string | null;
  readonly couriers: readonly string[];
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Prefix of every Redis key the store writes (tests give each run its own). */
  readonly keyPrefix: string;
  /** Shards per actor type, fixed for the life of a deployment (changing it is a migration). */
  readonly shards: number;
  /** Shards of the event streams. */
  readonly eventShards: number;
  readonly leaseTtlMs: number;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly maxDeliveries: number;
  readonly seenRetentionMs: number;
  readonly requestTimeoutMs: number;
  readonly pspTimeoutMs: number;
  /**
   * How long after a charge in doubt the provider is asked again (and a charge it took voided):
   * a minute, so that a customer told to retry shortly, with the same Idempotency-Key, gets that
   * charge (none more) for the order before it would be voided.
   */
  readonly paymentSettleMs: number;
  /** A stop that has not finished after this gives up (Redis away): exit 1, leases lapse. */
  readonly stopTimeoutMs: number;
  readonly rateLimitPerMinute: number;
  /**
   * Proxies in front of the edge whose X-Forwarded-For is trusted for the client's address (the
   * anonymous rate limit's key): 0 trusts none, so the header cannot be spoofed to dodge it.
   */
  readonly trustProxyHops: number;
  readonly overloadLag: number;
  readonly dataDir: string;
  readonly appendfsync: 'always' | 'everysec' | 'no';
  /** The built-in payment simulator's behaviour (demos, tests): up, down, or slow by N ms. */
  readonly pspSimulator: { readonly down: boolean; readonly latencyMs: number };
}

export const DEV_JWT_SECRET = 'appliance-store-dev-secret-change-me-0123456789';

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** A URL as it may be printed: whatever stands between `//` and `@` (user and password) is masked. */
function withoutCredentials(raw: string): string {
  return raw.replace(/\/\/[^/?#]*@/, '//***@');
}

function url(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${withoutCredentials(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  if (parsed.hostname === '') {
    throw new ConfigError(name, `must name a host, like ${protocols[0]}//host:port`);
  }
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], dflt: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export function parseRoles(raw: string, variable = '--roles'): Role[] {
  if (raw === 'all') return [...ROLES];
  const roles = raw.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw new ConfigError(variable, `unknown role "${r}" (known: all, ${ROLES.join(', ')})`);
    }
  }
  return [...new Set(roles)] as Role[];
}

export function parsePort(raw: string, variable: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new ConfigError(variable, `must be a port number 1-65535, got "${raw}"`);
  }
  return Number(raw);
}

function clusterNodes(env: Env): { host: string; port: number }[] | null {
  const raw = env.REDIS_CLUSTER_NODES;
  if (raw === undefined || raw === '') return null;
  return raw.split(',').map((hp) => {
    const m = /^([^:\s]+):(\d+)$/.exec(hp.trim());
    if (!m) throw new ConfigError('REDIS_CLUSTER_NODES', `expected host:port[,host:port…], got "${hp}"`);
    return { host: m[1]!, port: parsePort(m[2]!, 'REDIS_CLUSTER_NODES') };
  });
}

function simulatorMode(env: Env): { down: boolean; latencyMs: number } {
  const raw = env.PSP_SIMULATOR ?? 'up';
  if (raw === 'up') return { down: false, latencyMs: 0 };
  if (raw === 'down') return { down: true, latencyMs: 0 };
  const m = /^slow:(\d+)$/.exec(raw);
  if (m) return { down: false, latencyMs: Number(m[1]) };
  throw new ConfigError('PSP_SIMULATOR', `must be up, down or slow:<ms>, got "${raw}"`);
}

export interface CliOverrides {
  readonly roles?: string;
  readonly port?: string;
}

/** Parse and validate; throws ConfigError naming the variable at the first problem. */
export function loadConfig(env: Env = process.env, cli: CliOverrides = {}): Config {
  const port = cli.port !== undefined ? parsePort(cli.port, '--port') : parsePort(env.PORT || '8088', 'PORT');
  const roles = parseRoles(cli.roles ?? env.ROLES ?? 'all', cli.roles !== undefined ? '--roles' : 'ROLES');
  const authMode = oneOf(env, 'AUTH_MODE', ['dev', 'jwt'] as const, 'dev');
  // Empty counts as unset, as for every variable. A secret that verifies real tokens (jwt mode) must
  // be at least 256 bits (RFC 7518 3.2); in dev mode anyone may mint tokens at /auth/token anyway.
  const jwtSecretSet = env.JWT_SECRET !== undefined && env.JWT_SECRET !== '';
  const jwtSecret = jwtSecretSet ? env.JWT_SECRET! : DEV_JWT_SECRET;
  if (authMode === 'jwt' && jwtSecretSet && jwtSecret.length < 32) {
    throw new ConfigError(
      'JWT_SECRET',
      'must be at least 32 characters with AUTH_MODE=jwt (RFC 7518: 256 bits for HS256)',
    );
  }
  const couriers = (env.COURIERS ?? 'courier-1')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (couriers.length === 0) throw new ConfigError('COURIERS', 'needs at least one courier id');
  const config: Config = {
    roles,
    port,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisClusterNodes: clusterNodes(env),
    mongoUrl: url(env, 'MONGO_URL', ['mongodb:', 'mongodb+srv:']),
    pspUrl: url(env, 'PSP_URL', ['http:', 'https:']),
    notifyUrl: url(env, 'NOTIFY_URL', ['http:', 'https:']),
    authMode,
    jwtSecret,
    jwksUrl: url(env, 'JWKS_URL', ['http:', 'https:']),
    jwtIssuer: env.JWT_ISSUER || null,
    jwtAudience: env.JWT_AUDIENCE || null,
    couriers,
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      'info',
    ),
    keyPrefix: env.KEY_PREFIX || 'as',
    shards: int(env, 'SHARDS', 16, 1, 1024),
    eventShards: int(env, 'EVENT_SHARDS', 16, 1, 1024),
    leaseTtlMs: int(env, 'LEASE_TTL_MS', 5000, 200, 600_000),
    batchSize: int(env, 'BATCH_SIZE', 100, 1, 10_000),
    blockMs: int(env, 'BLOCK_MS', 1000, 10, 60_000),
    maxDeliveries: int(env, 'MAX_DELIVERIES', 5, 1, 1000),
    seenRetentionMs: int(env, 'SEEN_RETENTION_MS', 3_600_000, 1000, 7 * 86_400_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 8000, 100, 120_000),
    pspTimeoutMs: int(env, 'PSP_TIMEOUT_MS', 2000, 50, 60_000),
    paymentSettleMs: int(env, 'PAYMENT_SETTLE_MS', 60_000, 100, 86_400_000),
    stopTimeoutMs: int(env, 'STOP_TIMEOUT_MS', 20_000, 1000, 600_000),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    trustProxyHops: int(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    overloadLag: int(env, 'OVERLOAD_LAG', 50_000, 1, 100_000_000),
    dataDir: env.DATA_DIR || './.data',
    appendfsync: oneOf(env, 'REDIS_APPENDFSYNC', ['always', 'everysec', 'no'] as const, 'everysec'),
    pspSimulator: simulatorMode(env),
  };
  if (config.authMode === 'jwt' && !config.jwksUrl && !jwtSecretSet) {
    throw new ConfigError('JWT_SECRET', 'AUTH_MODE=jwt needs JWKS_URL or JWT_SECRET');
  }
  return Object.freeze(config);
}
