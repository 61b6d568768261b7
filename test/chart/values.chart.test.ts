/**
 * What the chart makes of individual values: the ConfigMap carries the product's environment,
 * the JWT secret comes from values, the cluster or an existing Secret, and values that would break
 * the store (more replicas than shards, no Redis, an unknown role) stop the rendering with a
 * message naming the value.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHART_DIR, helmTemplate, ofKind, one, render, type Manifest } from './helm.js';
import { asConfigMap, asDeployment, asScaledObject, asSecret } from './models.js';

const FULLNAME = 'shop-appliance-store';

function env(manifests: readonly Manifest[]): Readonly<Record<string, string>> {
  return asConfigMap(one(manifests, 'ConfigMap', FULLNAME)).data ?? {};
}

async function expectFailure(set: readonly string[], message: RegExp): Promise<void> {
  const result = await helmTemplate({ set });
  expect(result.code, result.stdout).to.not.equal(0);
  expect(result.stderr).to.match(message);
}

describe('chart values: the ConfigMap', () => {
  it('carries every variable the product reads, with jwt auth by default', async () => {
    const data = env(await render());
    expect(data).to.include({
      PORT: '8088',
      AUTH_MODE: 'jwt',
      REDIS_URL: 'redis://redis:6379',
      SHARDS: '16',
      EVENT_SHARDS: '16',
      LEASE_TTL_MS: '5000',
      SEEN_RETENTION_MS: '3600000',
      LOG_LEVEL: 'info',
      KEY_PREFIX: 'as',
      COURIERS: 'courier-1',
    });
    for (const key of ['BATCH_SIZE', 'BLOCK_MS', 'MAX_DELIVERIES', 'REQUEST_TIMEOUT_MS', 'PSP_TIMEOUT_MS']) {
      expect(data[key], key).to.match(/^\d+$/);
    }
    expect(data.RATE_LIMIT_PER_MINUTE).to.equal('600');
    expect(data.OVERLOAD_LAG).to.equal('50000');
    expect(data.PAYMENT_SETTLE_MS).to.equal('60000');
    // A trusted proxy hop only behind the chart's own ingress (off by default): else a client
    // reaching the edge directly could forge X-Forwarded-For.
    expect(data).to.not.have.property('TRUST_PROXY_HOPS');
    expect(env(await render({ set: ['ingress.enabled=true'] })).TRUST_PROXY_HOPS).to.equal('1');
    expect(env(await render({ set: ['config.trustProxyHops=2'] })).TRUST_PROXY_HOPS).to.equal('2');
    const off = env(await render({ set: ['ingress.enabled=true', 'config.trustProxyHops=0'] }));
    expect(off).to.not.have.property('TRUST_PROXY_HOPS');
    // Unset optional endpoints stay unset, so the product's own defaults apply.
    expect(data).to.not.have.any.keys(
      'MONGO_URL',
      'PSP_URL',
      'NOTIFY_URL',
      'JWKS_URL',
      'REDIS_CLUSTER_NODES',
    );
  });

  it('takes values set on the command line', async () => {
    const data = env(
      await render({
        set: [
          'config.shards=32',
          'config.logLevel=debug',
          'config.seenRetentionMs=7200000',
          'config.pspUrl=https://psp.example.test',
          'config.notifyUrl=https://notify.example.test/hook',
          'config.couriers=courier-1\\,courier-2',
          'config.authMode=dev',
          'mongo.url=mongodb://mongo:27017/store',
          'redis.url=',
          'redis.clusterNodes={redis-0:6379,redis-1:6379}',
        ],
      }),
    );
    expect(data).to.include({
      SHARDS: '32',
      LOG_LEVEL: 'debug',
      // Helm reads numbers as floats; the chart must not print 7.2e+06.
      SEEN_RETENTION_MS: '7200000',
      PSP_URL: 'https://psp.example.test',
      NOTIFY_URL: 'https://notify.example.test/hook',
      COURIERS: 'courier-1,courier-2',
      AUTH_MODE: 'dev',
      MONGO_URL: 'mongodb://mongo:27017/store',
      REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379',
    });
    expect(data).to.not.have.key('REDIS_URL');
  });

  it('rolls the pods when the configuration changes', async () => {
    const checksum = async (level: string) => {
      const d = asDeployment(
        one(await render({ set: [`config.logLevel=${level}`] }), 'Deployment', `${FULLNAME}-order`),
      );
      return d.spec?.template.metadata?.annotations?.['checksum/config'];
    };
    const [info, debug] = await Promise.all([checksum('info'), checksum('debug')]);
    expect(info).to.match(/^[0-9a-f]{64}$/);
    expect(debug).to.not.equal(info);
  });

  it('rolls the pods when the JWT secret changes', async () => {
    const checksum = async (secret: string) => {
      const d = asDeployment(
        one(await render({ set: [`auth.jwtSecret=${secret}`] }), 'Deployment', `${FULLNAME}-edge`),
      );
      return d.spec?.template.metadata?.annotations?.['checksum/secret'];
    };
    const [a, a2, b] = await Promise.all([
      checksum('a'.repeat(36)),
      checksum('a'.repeat(36)),
      checksum('b'.repeat(42)),
    ]);
    expect(a).to.match(/^[0-9a-f]{64}$/);
    expect(a2).to.equal(a);
    expect(b).to.not.equal(a);
  });

  it('rejects a value that is not a whole number', async () => {
    await expectFailure(['config.leaseTtlMs=fast'], /config\.leaseTtlMs must be a positive whole number/);
  });
});

describe('chart values: the JWT secret', () => {
  it('stores auth.jwtSecret in a Secret the pods read', async () => {
    const secretValue = 'x'.repeat(40);
    const manifests = await render({ set: [`auth.jwtSecret=${secretValue}`] });
    const secret = asSecret(one(manifests, 'Secret', FULLNAME));
    expect(Buffer.from(secret.data?.JWT_SECRET ?? '', 'base64').toString()).to.equal(secretValue);
    for (const d of ofKind(manifests, 'Deployment').map(asDeployment)) {
      const ref = d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'JWT_SECRET')?.valueFrom;
      expect(ref?.secretKeyRef).to.deep.equal({ name: FULLNAME, key: 'JWT_SECRET' });
    }
  });

  it('generates a long secret when none is given and no JWKS endpoint verifies tokens', async () => {
    const secret = asSecret(one(await render(), 'Secret', FULLNAME));
    expect(Buffer.from(secret.data?.JWT_SECRET ?? '', 'base64').toString()).to.have.length.of.at.least(32);
  });

  it('uses an existing Secret and creates none', async () => {
    const manifests = await render({
      set: ['auth.existingSecret=store-jwt', 'auth.existingSecretKey=hs256'],
    });
    expect(ofKind(manifests, 'Secret')).to.have.length(0);
    const d = asDeployment(one(manifests, 'Deployment', `${FULLNAME}-edge`));
    const ref = d.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'JWT_SECRET')?.valueFrom;
    expect(ref?.secretKeyRef).to.deep.equal({ name: 'store-jwt', key: 'hs256' });
  });

  it('rejects a secret shorter than the product accepts', async () => {
    await expectFailure(['auth.jwtSecret=short'], /auth\.jwtSecret must be at least 32 characters/);
  });
});

describe('chart values: autoscaling limits', () => {
  it('refuses more replicas than shards', async () => {
    await expectFailure(['autoscaling.maxReplicas=17'], /maxReplicas 17 exceeds the shard count 16/);
    await expectFailure(['config.shards=4'], /group order: maxReplicas 8 exceeds the shard count 4/);
  });

  it('caps the read side by the event shards, and accepts a per-group limit within them', async () => {
    await expectFailure(['config.eventShards=4'], /group projector: maxReplicas 8 exceeds the shard count 4/);
    const manifests = await render({
      set: [
        'config.eventShards=4',
        'groupOverrides.projector.maxReplicas=4',
        'groupOverrides.notifier.maxReplicas=3',
      ],
    });
    const max = (g: string) =>
      asScaledObject(one(manifests, 'ScaledObject', `${FULLNAME}-${g}`)).spec.maxReplicaCount;
    expect([max('projector'), max('notifier'), max('order')]).to.deep.equal([4, 3, 8]);
  });

  it('allows maxReplicas equal to the shard count', async () => {
    const manifests = await render({
      set: ['config.shards=32', 'autoscaling.maxReplicas=16', 'groupOverrides.order.maxReplicas=32'],
    });
    const so = asScaledObject(one(manifests, 'ScaledObject', `${FULLNAME}-order`));
    expect(so.spec.maxReplicaCount).to.equal(32);
  });

  it('keeps at least one worker, since the lag gauges come from the workers', async () => {
    await expectFailure(['autoscaling.minReplicas=0'], /minReplicas must be at least 1/);
  });

  it('rejects an unknown autoscaling mode', async () => {
    await expectFailure(['autoscaling.mode=vpa'], /autoscaling\.mode must be keda or hpa/);
  });
});

describe('chart values: role groups and endpoints', () => {
  it('rolls one group at a time to a new image (groupOverrides.<group>.imageTag)', async () => {
    const manifests = await render({ set: ['image.tag=1.0.0', 'groupOverrides.payment.imageTag=1.1.0'] });
    const image = (group: string) =>
      asDeployment(one(manifests, 'Deployment', `${FULLNAME}-${group}`)).spec?.template.spec?.containers[0]
        ?.image;
    expect(image('payment')).to.equal('appliance-store:1.1.0');
    expect(image('order')).to.equal('appliance-store:1.0.0');
  });

  it('rejects an unknown role and a role in two groups', async () => {
    await expectFailure(
      ['roleGroups[0].name=a', 'roleGroups[0].roles={order,billing}'],
      /unknown role "billing"/,
    );
    await expectFailure(
      [
        'roleGroups[0].name=a',
        'roleGroups[0].roles={order}',
        'roleGroups[1].name=b',
        'roleGroups[1].roles={order,store}',
      ],
      /role "order" is in two groups \(a and b\)/,
    );
  });

  it('applies per-group overrides on top of the defaults', async () => {
    const manifests = await render({
      values: {
        roleGroups: [
          { name: 'workers', roles: ['order', 'payment'], resources: { limits: { memory: '1Gi' } } },
        ],
        groupOverrides: { workers: { nodeSelector: { pool: 'workers' } } },
      },
    });
    const d = asDeployment(one(manifests, 'Deployment', `${FULLNAME}-workers`));
    expect(d.spec?.template.spec?.containers[0]?.resources?.limits).to.deep.equal({
      cpu: '1',
      memory: '1Gi',
    });
    expect(d.spec?.template.spec?.nodeSelector).to.deep.equal({ pool: 'workers' });
    expect(ofKind(manifests, 'Deployment')).to.have.length(6);
  });

  it('requires exactly one of redis.url and redis.clusterNodes', async () => {
    await expectFailure(['redis.url='], /set redis\.url or redis\.clusterNodes/);
    await expectFailure(
      ['redis.clusterNodes={r:6379}'],
      /either redis\.url or redis\.clusterNodes, not both/,
    );
  });

  it('gives a terminationGracePeriodSeconds that covers preStop, the process stop and the lease TTL, and refuses a shorter one', async () => {
    const manifests = await render({ set: ['config.leaseTtlMs=30000', 'shutdown.drainSeconds=20'] });
    const d = asDeployment(one(manifests, 'Deployment', `${FULLNAME}-order`));
    // preStop + the process's stop (drain 20 + an order's last question 4 + the actors 7) + lease TTL.
    expect(d.spec?.template.spec?.terminationGracePeriodSeconds).to.equal(5 + (20 + 4 + 7) + 30);
    // The process gives up its stop after that (Redis away), before the kubelet's SIGKILL.
    expect(env(manifests).STOP_TIMEOUT_MS).to.equal('31000');
    await expectFailure(
      ['shutdown.terminationGracePeriodSeconds=10'],
      /terminationGracePeriodSeconds=10 is shorter/,
    );
  });

  it('documents every top-level value in the README values table', async () => {
    const [values, readme] = await Promise.all([
      readFile(join(CHART_DIR, 'values.yaml'), 'utf8'),
      readFile(join(CHART_DIR, 'README.md'), 'utf8'),
    ]);
    const keys = [...values.matchAll(/^([a-zA-Z]+):/gm)].map((m) => m[1]!);
    expect(keys.length).to.be.greaterThan(10);
    for (const key of keys) expect(readme, `README mentions ${key}`).to.match(new RegExp('`' + key + '[.`]'));
  });
});
