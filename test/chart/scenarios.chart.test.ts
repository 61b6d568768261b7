/**
 * Every value switch of the chart: `helm lint --strict` passes, the rendering matches the
 * Kubernetes / KEDA / Prometheus-operator schemas, and each Deployment carries what the store
 * needs in production (probes, resources, hardening, graceful shutdown, a PDB, an autoscaler
 * capped by the shard count).
 */
import { expect } from 'chai';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { helmLint, ofKind, one, render, type Manifest } from './helm.js';
import {
  asConfigMap,
  asDeployment,
  asHpa,
  asIngress,
  asPdb,
  asScaledObject,
  asService,
  asServiceMonitor,
  validateManifest,
} from './models.js';
import { SCENARIOS, TYPES_OF_ROLE, type RoleGroup, type Scenario } from './scenarios.js';

const FULLNAME = 'shop-appliance-store';

function container(d: IDeployment) {
  const c = d.spec?.template.spec?.containers[0];
  if (c === undefined) throw new Error(`${d.metadata?.name} has no container`);
  return c;
}

function configData(manifests: readonly Manifest[]): Readonly<Record<string, string>> {
  return asConfigMap(one(manifests, 'ConfigMap', FULLNAME)).data ?? {};
}

function intConfig(data: Readonly<Record<string, string>>, key: string): number {
  const v = data[key];
  expect(v, key).to.match(/^\d+$/);
  return Number(v);
}

function checkDeployment(
  d: IDeployment,
  group: RoleGroup,
  scenario: Scenario,
  config: Record<string, string>,
): void {
  const name = `${FULLNAME}-${group.name}`;
  expect(d.metadata?.name).to.equal(name);
  const spec = d.spec!;
  expect(spec.strategy?.type).to.equal('RollingUpdate');
  expect(spec.strategy?.rollingUpdate?.maxUnavailable, `${name} maxUnavailable`).to.equal(0);
  expect(spec.strategy?.rollingUpdate?.maxSurge).to.equal(1);
  expect(spec.template.metadata?.labels).to.include(spec.selector.matchLabels);
  if (scenario.autoscaling === 'off') expect(spec.replicas).to.equal(3);
  else expect(spec.replicas, 'the autoscaler owns replicas').to.equal(undefined);

  const pod = spec.template.spec!;
  expect(pod.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 10001 });
  expect(pod.securityContext?.seccompProfile?.type).to.equal('RuntimeDefault');
  expect(pod.automountServiceAccountToken).to.equal(false);

  const c = container(d);
  expect(c.command?.slice(0, 3)).to.deep.equal(['node', 'dist/bin/appliance-store.js', 'start']);
  const rolesArg = c.command?.[c.command.indexOf('--roles') + 1];
  expect(rolesArg?.split(',')).to.have.members([...group.roles]);
  expect(c.command?.[c.command.indexOf('--port') + 1]).to.equal('8088');
  expect(c.ports).to.deep.include({ name: 'http', containerPort: 8088, protocol: 'TCP' });
  expect(c.envFrom?.[0]?.configMapRef?.name).to.equal(FULLNAME);

  expect(c.startupProbe?.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
  expect(c.livenessProbe?.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
  expect(c.readinessProbe?.httpGet).to.deep.equal({ path: '/readyz', port: 'http' });

  expect(c.resources?.requests).to.have.all.keys('cpu', 'memory');
  expect(c.resources?.limits).to.have.all.keys('cpu', 'memory');

  const sc = c.securityContext;
  expect(sc?.runAsNonRoot).to.equal(true);
  expect(sc?.runAsUser).to.equal(10001);
  expect(sc?.readOnlyRootFilesystem).to.equal(true);
  expect(sc?.allowPrivilegeEscalation).to.equal(false);
  expect(sc?.capabilities?.drop).to.deep.equal(['ALL']);
  expect(sc?.seccompProfile?.type).to.equal('RuntimeDefault');

  // The root filesystem is read-only: /tmp is an emptyDir.
  const tmp = c.volumeMounts?.find((v) => v.mountPath === '/tmp');
  expect(tmp, '/tmp mount').to.not.equal(undefined);
  expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).to.not.equal(undefined);

  // Graceful shutdown: sleep in preStop, then drain and let the leases go before the kill.
  const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
  expect(preStop[0]).to.equal('sleep');
  const sleep = Number(preStop[1]);
  expect(sleep).to.be.greaterThan(0);
  const leaseSeconds = Math.ceil(intConfig(config, 'LEASE_TTL_MS') / 1000);
  const requestSeconds = Math.ceil(intConfig(config, 'REQUEST_TIMEOUT_MS') / 1000);
  expect(pod.terminationGracePeriodSeconds).to.be.at.least(sleep + leaseSeconds + requestSeconds);
}

function groupTypes(group: RoleGroup): string[] {
  return group.roles.flatMap((r) => TYPES_OF_ROLE[r]);
}

/** The most replicas a group can use: one per shard of the streams its roles consume. */
function shardCap(group: RoleGroup, config: Record<string, string>): number {
  const caps = group.roles
    .filter((r) => r !== 'edge')
    .map((r) => intConfig(config, r === 'projector' || r === 'notifier' ? 'EVENT_SHARDS' : 'SHARDS'));
  return Math.min(...caps);
}

function checkAutoscaler(
  manifests: readonly Manifest[],
  group: RoleGroup,
  scenario: Scenario,
  config: Record<string, string>,
) {
  const name = `${FULLNAME}-${group.name}`;
  const scaled = ofKind(manifests, 'ScaledObject').filter((m) => m.name === name);
  const hpas = ofKind(manifests, 'HorizontalPodAutoscaler').filter((m) => m.name === name);
  const types = groupTypes(group);
  if (scenario.autoscaling === 'off') {
    expect(scaled.length + hpas.length).to.equal(0);
    return;
  }
  // Two autoscalers on one Deployment would fight over its replicas.
  expect(scaled.length + hpas.length, `${name}: exactly one autoscaler`).to.equal(1);
  const hasEdge = group.roles.includes('edge');
  if (types.length === 0) {
    const hpa = asHpa(hpas[0]!);
    expect(hpa.spec?.scaleTargetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect(hpa.spec?.metrics?.map((m) => m.resource?.name)).to.deep.equal(['cpu']);
    expect(hpa.spec?.minReplicas).to.be.at.least(1);
    return;
  }
  const cap = shardCap(group, config);
  if (scenario.autoscaling === 'keda') {
    const so = asScaledObject(scaled[0]!);
    expect(so.spec.scaleTargetRef.name).to.equal(name);
    expect(so.spec.minReplicaCount).to.be.at.least(1);
    expect(so.spec.maxReplicaCount).to.be.at.most(cap);
    const prom = so.spec.triggers.filter((t) => t.type === 'prometheus');
    expect(prom).to.have.length(1);
    const query = prom[0]!.metadata.query ?? '';
    expect(query).to.match(/^sum\(max by \(type, shard\) \(appliance_mailbox_lag\{/);
    for (const t of types) expect(query).to.contain(t);
    expect(query).to.contain('namespace="store"');
    expect(Number(prom[0]!.metadata.threshold)).to.be.greaterThan(0);
    expect(so.spec.triggers.some((t) => t.type === 'cpu')).to.equal(hasEdge);
  } else {
    const hpa = asHpa(hpas[0]!);
    expect(hpa.spec?.scaleTargetRef.name).to.equal(name);
    expect(hpa.spec?.minReplicas).to.be.at.least(1);
    expect(hpa.spec?.maxReplicas).to.be.at.most(cap);
    const external = hpa.spec?.metrics?.filter((m) => m.type === 'External') ?? [];
    expect(external).to.have.length(1);
    const metric = external[0]!.external!.metric;
    expect(metric.name).to.equal('appliance_mailbox_lag');
    const selected = metric.selector?.matchLabels?.type
      ? [metric.selector.matchLabels.type]
      : (metric.selector?.matchExpressions?.find((e) => e.key === 'type')?.values ?? []);
    expect(selected).to.have.members(types);
    expect(external[0]!.external!.target.type).to.equal('AverageValue');
    expect(hpa.spec?.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')).to.equal(
      hasEdge,
    );
  }
}

for (const scenario of SCENARIOS) {
  describe(`chart: ${scenario.name}`, () => {
    let manifests: Manifest[] = [];
    before(async () => {
      manifests = await render({ values: scenario.values });
    });

    it('passes helm lint --strict', async () => {
      const lint = await helmLint({ values: scenario.values });
      expect(lint.code, lint.stdout + lint.stderr).to.equal(0);
      expect(lint.stdout).to.contain('0 chart(s) failed');
    });

    it('renders manifests that match their schemas', () => {
      expect(manifests.length).to.be.greaterThan(5);
      for (const m of manifests) validateManifest(m);
      const keys = manifests.map((m) => `${m.kind}/${m.name}`);
      expect(new Set(keys).size, 'no two objects share kind and name').to.equal(keys.length);
    });

    it('runs one hardened, probed, gracefully stopping Deployment per role group', () => {
      const deployments = ofKind(manifests, 'Deployment').map(asDeployment);
      expect(deployments.map((d) => d.metadata?.name)).to.have.members(
        scenario.groups.map((g) => `${FULLNAME}-${g.name}`),
      );
      const config = configData(manifests);
      for (const group of scenario.groups) {
        const d = deployments.find((x) => x.metadata?.name === `${FULLNAME}-${group.name}`)!;
        checkDeployment(d, group, scenario, { ...config });
      }
    });

    it('gives every Deployment a PodDisruptionBudget and a headless metrics Service', () => {
      for (const d of ofKind(manifests, 'Deployment').map(asDeployment)) {
        const selector = d.spec!.selector.matchLabels;
        const pdbs = ofKind(manifests, 'PodDisruptionBudget')
          .map(asPdb)
          .filter((p) => JSON.stringify(p.spec?.selector?.matchLabels) === JSON.stringify(selector));
        expect(pdbs, `PDB of ${d.metadata?.name}`).to.have.length(1);
        expect(pdbs[0]!.spec?.maxUnavailable).to.equal(1);

        const svc = asService(one(manifests, 'Service', d.metadata!.name!));
        expect(svc.spec?.clusterIP).to.equal('None');
        expect(svc.spec?.selector).to.deep.equal(selector);
        expect(svc.spec?.ports?.[0]).to.include({ name: 'http', targetPort: 'http' });
      }
    });

    it('scales each worker group on its mailbox lag, never past its shard count, and the edge on CPU', () => {
      const config = configData(manifests);
      for (const group of scenario.groups) checkAutoscaler(manifests, group, scenario, { ...config });
    });

    it('routes the REST API to the pods that run the edge', () => {
      const edgeGroup = scenario.groups.find((g) => g.roles.includes('edge'))!;
      const svc = asService(one(manifests, 'Service', FULLNAME));
      expect(svc.spec?.selector).to.include({ 'app.kubernetes.io/component': edgeGroup.name });
      expect(svc.spec?.ports?.[0]).to.include({ name: 'http', targetPort: 'http' });
      const ingresses = ofKind(manifests, 'Ingress').map(asIngress);
      const wantIngress = (scenario.values.ingress as { enabled?: boolean } | undefined)?.enabled === true;
      expect(ingresses).to.have.length(wantIngress ? 1 : 0);
      for (const ing of ingresses) {
        const backend = ing.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
        expect(backend).to.deep.equal({ name: FULLNAME, port: { name: 'http' } });
        expect(ing.spec?.tls?.[0]?.secretName).to.equal('store-tls');
        // The default paths publish the REST API, not the probes, /metrics or /admin.
        const paths = (ing.spec?.rules ?? []).flatMap((r) => r.http?.paths.map((p) => p.path) ?? []);
        expect(paths).to.include.members(['/orders', '/myPages', '/openapi.json']);
        for (const internal of ['/', '/metrics', '/healthz', '/readyz', '/admin'])
          expect(paths, internal).to.not.include(internal);
      }
    });

    it('ships the dashboard, and the ServiceMonitor only when asked, scraping every pod', () => {
      const dashboard = asConfigMap(one(manifests, 'ConfigMap', `${FULLNAME}-dashboard`));
      expect(dashboard.metadata?.labels).to.include({ grafana_dashboard: '1' });
      const monitors = ofKind(manifests, 'ServiceMonitor').map(asServiceMonitor);
      const wanted = (scenario.values.monitoring as { serviceMonitor?: { enabled?: boolean } } | undefined)
        ?.serviceMonitor?.enabled;
      expect(monitors).to.have.length(wanted === true ? 1 : 0);
      for (const sm of monitors) {
        expect(sm.metadata?.labels).to.include({ release: 'kube-prometheus-stack' });
        expect(sm.spec.endpoints?.[0]).to.include({ port: 'http', path: '/metrics' });
        const selected = ofKind(manifests, 'Service').filter((s) =>
          Object.entries(sm.spec.selector.matchLabels ?? {}).every(([k, v]) => s.labels[k] === v),
        );
        expect(selected.map((s) => s.name)).to.have.members(
          scenario.groups.map((g) => `${FULLNAME}-${g.name}`),
        );
        // The job label comes from a Service label: the alerts select job=~".*appliance.*".
        for (const s of selected) expect(s.labels[sm.spec.jobLabel ?? '']).to.match(/appliance/);
      }
    });
  });
}
