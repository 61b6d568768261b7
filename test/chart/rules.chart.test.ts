/**
 * The Prometheus side: the alert rules check and pass their promtool unit tests, every alert has a
 * firing test, the chart's PrometheusRule is the very same file, and every PromQL expression the
 * dashboard, the autoscalers and prometheus-adapter use parses and names only documented metrics.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { requireTool } from '../support/tools.js';
import {
  CHART_DIR,
  isRecord,
  ofKind,
  PROMETHEUS_DIR,
  REPO_ROOT,
  render,
  run,
  type ToolResult,
} from './helm.js';
import { asPrometheusRule, asScaledObject } from './models.js';

const RULES = join(PROMETHEUS_DIR, 'rules.yml');
const RULES_TEST = join(PROMETHEUS_DIR, 'rules.test.yml');
const DASHBOARD = join(CHART_DIR, 'files', 'dashboard.json');

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${what} is not a list`);
  return v as unknown[];
}

async function alertRules(): Promise<AlertRule[]> {
  const doc: unknown = parse(await readFile(RULES, 'utf8'));
  if (!isRecord(doc)) throw new Error('rules.yml is not a mapping');
  const out: AlertRule[] = [];
  for (const group of list(doc.groups, 'groups')) {
    if (!isRecord(group)) throw new Error('a rule group is not a mapping');
    for (const rule of list(group.rules, 'rules')) {
      if (isRecord(rule) && typeof rule.alert === 'string' && typeof rule.expr === 'string') {
        out.push(rule as unknown as AlertRule); // fields checked by the tests below
      }
    }
  }
  return out;
}

/** Runs `promtool check rules` on recording rules made of these expressions (no server needed). */
async function checkExpressions(exprs: readonly string[]): Promise<ToolResult> {
  const dir = await mkdtemp(join(tmpdir(), 'promql-'));
  try {
    const file = join(dir, 'exprs.yml');
    const rules = exprs.map((expr, i) => ({ record: `appliance:check_${i}`, expr }));
    await writeFile(file, stringify({ groups: [{ name: 'parse-check', rules }] }));
    return await run(requireTool('promtool'), ['check', 'rules', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Metric names from docs/metrics.md, the table the chart must stick to. */
async function documentedMetrics(): Promise<Set<string>> {
  const doc = await readFile(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `(appliance_[a-z_]+)` +\|/gm)].map((m) => m[1]!));
}

/** appliance_* names an expression uses, with histogram suffixes mapped to the histogram. */
function metricsUsed(expr: string): string[] {
  return [...expr.matchAll(/\bappliance_[a-z_]+\b/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

function dashboardExprs(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) {
      if (typeof v.expr === 'string') out.push(v.expr);
      Object.values(v).forEach(walk);
    }
  };
  walk(dashboard);
  return out;
}

/** Grafana's interval variable, as Grafana would substitute it. */
const asPromQL = (expr: string): string => expr.replaceAll('$__rate_interval', '5m');

describe('prometheus: alert rules', () => {
  it('pass promtool check rules', async () => {
    const result = await run(requireTool('promtool'), ['check', 'rules', RULES]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests', async () => {
    const result = await run(requireTool('promtool'), ['test', 'rules', RULES_TEST], PROMETHEUS_DIR);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('SUCCESS');
  });

  it('have a firing unit test for every alert, and no test for an alert that does not exist', async () => {
    const alerts = (await alertRules()).map((r) => r.alert);
    expect(alerts).to.include.members([
      'MailboxLagGrowing',
      'ShardWithoutOwner',
      'DeadLettersAppearing',
      'CircuitBreakerOpen',
      'ReadinessFailing',
      'HandlerErrorRate',
      'RedisUnreachable',
      'ConsumerStalled',
    ]);
    const doc: unknown = parse(await readFile(RULES_TEST, 'utf8'));
    if (!isRecord(doc)) throw new Error('rules.test.yml is not a mapping');
    const tested = new Set<string>();
    const firing = new Set<string>();
    for (const test of list(doc.tests, 'tests')) {
      if (!isRecord(test)) continue;
      for (const case_ of list(test.alert_rule_test ?? [], 'alert_rule_test')) {
        if (!isRecord(case_) || typeof case_.alertname !== 'string') continue;
        tested.add(case_.alertname);
        if (Array.isArray(case_.exp_alerts) && case_.exp_alerts.length > 0) firing.add(case_.alertname);
      }
    }
    expect([...firing].sort(), 'alerts with a firing test').to.deep.equal([...new Set(alerts)].sort());
    expect([...tested].sort()).to.deep.equal([...new Set(alerts)].sort());
  });

  it('each carry for:, a severity and a summary and description', async () => {
    for (const rule of await alertRules()) {
      expect(rule.for, `${rule.alert} for`).to.match(/^\d+[smh]$/);
      expect(rule.labels?.severity, `${rule.alert} severity`).to.be.oneOf(['warning', 'critical']);
      expect(rule.annotations?.summary, `${rule.alert} summary`).to.be.a('string').and.not.empty;
      expect(rule.annotations?.description, `${rule.alert} description`).to.be.a('string').and.not.empty;
    }
  });

  it('are the one file the chart ships as its PrometheusRule', async () => {
    // charts/prometheus/rules.yml links to the chart's copy: one source, not two.
    expect(await realpath(RULES)).to.equal(await realpath(join(CHART_DIR, 'files', 'rules.yml')));
    const manifests = await render({ set: ['monitoring.prometheusRule.enabled=true'] });
    const [rule] = ofKind(manifests, 'PrometheusRule').map(asPrometheusRule);
    const fromFile: unknown = parse(await readFile(RULES, 'utf8'));
    expect(rule?.spec).to.deep.equal(fromFile);
  });

  it('use only documented metrics', async () => {
    const documented = await documentedMetrics();
    expect(documented.size).to.be.greaterThan(20);
    for (const rule of await alertRules()) {
      for (const name of metricsUsed(rule.expr))
        expect(documented, `${rule.alert}: ${name}`).to.include(name);
    }
  });
});

describe('prometheus: dashboard and autoscaler queries', () => {
  it('every dashboard expression parses and names documented metrics', async () => {
    const dashboard: unknown = JSON.parse(await readFile(DASHBOARD, 'utf8'));
    const exprs = dashboardExprs(dashboard).map(asPromQL);
    expect(exprs.length).to.be.greaterThan(15);
    for (const e of exprs) expect(e, 'no unresolved Grafana variable').to.not.contain('$');
    const result = await checkExpressions(exprs);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const documented = await documentedMetrics();
    for (const e of exprs) for (const name of metricsUsed(e)) expect(documented, `${e}`).to.include(name);
  });

  it('the parse check rejects a broken expression (so it checks something)', async () => {
    const result = await checkExpressions(['sum(rate(appliance_messages_handled_total[5m])']);
    expect(result.code).to.not.equal(0);
  });

  it('the dashboard has panels for throughput, lag per shard, latency, dead letters, circuit, HTTP and rebalances', async () => {
    const exprs = dashboardExprs(JSON.parse(await readFile(DASHBOARD, 'utf8')) as unknown).join('\n');
    for (const needle of [
      'rate(appliance_messages_handled_total',
      'max by (type, shard) (appliance_mailbox_lag)',
      'histogram_quantile(0.5, sum by (type, le) (rate(appliance_handler_duration_seconds_bucket',
      'histogram_quantile(0.99, sum by (type, le) (rate(appliance_handler_duration_seconds_bucket',
      'appliance_dead_letters',
      'appliance_messages_dead_lettered_total',
      'appliance_circuit_state',
      'rate(appliance_http_requests_total',
      'appliance_http_request_duration_seconds_bucket',
      'status=~"5.."',
      'appliance_rebalances_total',
    ]) {
      expect(exprs).to.contain(needle);
    }
  });

  it('every KEDA query of every grouping parses and names documented metrics', async () => {
    const queries: string[] = [];
    for (const values of [
      {},
      { roleGroups: [{ name: 'all', roles: ['edge', 'order', 'projector', 'notifier'] }] },
    ]) {
      for (const so of ofKind(await render({ values }), 'ScaledObject').map(asScaledObject)) {
        for (const t of so.spec.triggers) if (t.type === 'prometheus') queries.push(t.metadata.query ?? '');
      }
    }
    expect(queries.length).to.equal(6 + 4);
    const result = await checkExpressions(queries);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const documented = await documentedMetrics();
    for (const q of queries) for (const name of metricsUsed(q)) expect(documented).to.include(name);
  });

  it('the prometheus-adapter rule for HPA mode parses once the adapter fills it in', async () => {
    const doc: unknown = parse(
      await readFile(join(PROMETHEUS_DIR, 'prometheus-adapter-values.yaml'), 'utf8'),
    );
    if (!isRecord(doc) || !isRecord(doc.rules)) throw new Error('adapter values without rules');
    const external = list(doc.rules.external, 'rules.external');
    const queries = external.map((r) => {
      if (!isRecord(r) || typeof r.metricsQuery !== 'string' || !isRecord(r.name))
        throw new Error('bad adapter rule');
      // The HPA's metric name must be the one the adapter serves.
      expect(r.name.as).to.equal('appliance_mailbox_lag');
      return r.metricsQuery
        .replaceAll('<<.Series>>', 'appliance_mailbox_lag')
        .replaceAll('<<.LabelMatchers>>', 'type=~"order|payment",namespace="store"');
    });
    expect(queries).to.have.length(1);
    const result = await checkExpressions(queries);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
  });
});
