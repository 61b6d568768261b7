/**
 * The value switches the chart tests render, and what the chart should make of each: which role
 * groups (so which Deployments) and which autoscalers.
 */
export const ALL_ROLES = ['edge', 'order', 'payment', 'store', 'delivery', 'projector', 'notifier'] as const;
export type Role = (typeof ALL_ROLES)[number];

/** Metric `type` labels of the mailboxes each worker role drains (docs/metrics.md). */
export const TYPES_OF_ROLE: Readonly<Record<Role, readonly string[]>> = {
  edge: [],
  order: ['order'],
  payment: ['payment'],
  store: ['store'],
  delivery: ['delivery'],
  projector: ['projector'],
  notifier: ['notifier'],
};

export interface RoleGroup {
  readonly name: string;
  readonly roles: readonly Role[];
}

export interface Scenario {
  readonly name: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly groups: readonly RoleGroup[];
  readonly autoscaling: 'keda' | 'hpa' | 'off';
}

/** Groups as the chart forms them: the explicit ones, then one per role named in none. */
function groups(explicit: readonly RoleGroup[]): RoleGroup[] {
  const named = new Set(explicit.flatMap((g) => g.roles));
  return [...explicit, ...ALL_ROLES.filter((r) => !named.has(r)).map((r) => ({ name: r, roles: [r] }))];
}

const workers: RoleGroup = { name: 'workers', roles: ['order', 'payment', 'store', 'delivery'] };
const readSide: RoleGroup = { name: 'readside', roles: ['projector', 'notifier'] };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'defaults (KEDA, single Redis, one Deployment per role)',
    values: {},
    groups: groups([]),
    autoscaling: 'keda',
  },
  {
    name: 'HPA on prometheus-adapter',
    values: { autoscaling: { mode: 'hpa' } },
    groups: groups([]),
    autoscaling: 'hpa',
  },
  {
    name: 'Redis Cluster',
    values: {
      redis: { url: '', clusterNodes: ['redis-0.redis:6379', 'redis-1.redis:6379', 'redis-2.redis:6379'] },
    },
    groups: groups([]),
    autoscaling: 'keda',
  },
  {
    name: 'roles grouped (KEDA)',
    values: { roleGroups: [workers, readSide] },
    groups: groups([workers, readSide]),
    autoscaling: 'keda',
  },
  {
    name: 'roles grouped (HPA)',
    values: { roleGroups: [workers, readSide], autoscaling: { mode: 'hpa' } },
    groups: groups([workers, readSide]),
    autoscaling: 'hpa',
  },
  {
    name: 'all roles in one group with the edge',
    values: { roleGroups: [{ name: 'all', roles: [...ALL_ROLES] }] },
    groups: [{ name: 'all', roles: [...ALL_ROLES] }],
    autoscaling: 'keda',
  },
  {
    name: 'ingress on',
    values: {
      ingress: {
        enabled: true,
        className: 'nginx',
        tls: [{ hosts: ['store.example.test'], secretName: 'store-tls' }],
      },
    },
    groups: groups([]),
    autoscaling: 'keda',
  },
  {
    name: 'monitoring on',
    values: {
      monitoring: {
        serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
        prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
        dashboard: { enabled: true },
      },
    },
    groups: groups([]),
    autoscaling: 'keda',
  },
  {
    name: 'autoscaling off',
    values: { autoscaling: { enabled: false }, replicas: 3 },
    groups: groups([]),
    autoscaling: 'off',
  },
  {
    name: 'MongoDB, JWKS and an existing Secret',
    values: {
      mongo: { url: 'mongodb://mongo.db:27017/store' },
      auth: {
        jwksUrl: 'https://idp.example.test/.well-known/jwks.json',
        existingSecret: 'store-jwt',
        existingSecretKey: 'secret',
      },
    },
    groups: groups([]),
    autoscaling: 'keda',
  },
];
