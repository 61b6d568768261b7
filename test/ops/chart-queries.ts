/**
 * What the ops tests take from the rendered chart (real `helm template`): the dashboard's PromQL,
 * the autoscalers' PromQL (KEDA triggers, and the prometheus-adapter rule the HPAs read through)
 * and the environment the ConfigMap gives every pod.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isRecord, ofKind, render, REPO_ROOT, type Manifest, type RenderOptions } from '../chart/helm.js';

export const NAMESPACE = 'store';

/** One query a human or an autoscaler evaluates, with where it comes from. */
export interface ChartQuery {
  readonly source: string;
  readonly expr: string;
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/**
 * Grafana's `$__rate_interval` is max(4 × scrape interval, step + scrape interval): with the
 * tests' 1 s scrapes, 5 s holds enough samples for rate() and still follows changes quickly.
 */
export function substituteGrafana(expr: string, rateInterval = '5s'): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('${__rate_interval}', rateInterval)
    .replaceAll('$__interval', '1s');
}

function dataOf(m: Manifest): Record<string, string> {
  const data = rec(m.raw.data);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Every target expression of every panel (rows included) of the chart's dashboard ConfigMap. */
export async function dashboardQueries(opts: RenderOptions = {}): Promise<ChartQuery[]> {
  const manifests = await render({ namespace: NAMESPACE, ...opts });
  const cms = ofKind(manifests, 'ConfigMap').filter((m) => m.labels.grafana_dashboard === '1');
  if (cms.length !== 1) throw new Error(`expected one dashboard ConfigMap, found ${cms.length}`);
  const out: ChartQuery[] = [];
  for (const [file, json] of Object.entries(dataOf(cms[0]!))) {
    const dash = rec(JSON.parse(json) as unknown);
    const panels = arr(dash.panels).flatMap((p) => [p, ...arr(rec(p).panels)]);
    for (const p of panels) {
      const t0 = rec(p).title;
      const title = typeof t0 === 'string' ? t0 : '?';
      for (const t of arr(rec(p).targets)) {
        const expr = rec(t).expr;
        if (typeof expr === 'string' && expr.trim() !== '') out.push({ source: `${file}: ${title}`, expr });
      }
    }
  }
  return out;
}

/** The Prometheus query of every KEDA ScaledObject trigger (default values: keda mode). */
export async function kedaQueries(opts: RenderOptions = {}): Promise<ChartQuery[]> {
  const manifests = await render({ namespace: NAMESPACE, ...opts });
  const out: ChartQuery[] = [];
  for (const so of ofKind(manifests, 'ScaledObject')) {
    for (const t of arr(rec(so.raw.spec).triggers)) {
      const trig = rec(t);
      if (trig.type !== 'prometheus') continue;
      const query = rec(trig.metadata).query;
      if (typeof query !== 'string')
        throw new Error(`ScaledObject ${so.name}: prometheus trigger without query`);
      out.push({ source: `ScaledObject ${so.name}`, expr: query });
    }
  }
  return out;
}

/**
 * What prometheus-adapter evaluates for each HPA (`autoscaling.mode=hpa`): the adapter rule's
 * metricsQuery with `<<.Series>>` and `<<.LabelMatchers>>` filled from the HPA's selector and
 * namespace, as the adapter does.
 */
export async function hpaQueries(): Promise<ChartQuery[]> {
  const manifests = await render({ namespace: NAMESPACE, set: ['autoscaling.mode=hpa'] });
  const adapter = parse(
    await readFile(join(REPO_ROOT, 'charts', 'prometheus', 'prometheus-adapter-values.yaml'), 'utf8'),
  ) as unknown;
  const rules = arr(rec(rec(adapter).rules).external).map(rec);
  const out: ChartQuery[] = [];
  for (const hpa of ofKind(manifests, 'HorizontalPodAutoscaler')) {
    for (const m of arr(rec(hpa.raw.spec).metrics)) {
      const ext = rec(rec(m).external);
      if (rec(m).type !== 'External') continue;
      const metric = rec(ext.metric);
      const rule = rules.find((r) => rec(r.name).as === metric.name);
      if (!rule || typeof rule.metricsQuery !== 'string')
        throw new Error(`no adapter rule serves ${String(metric.name)}`);
      const series = String(metric.name);
      const selector = rec(metric.selector);
      const matchers: string[] = [];
      for (const [k, v] of Object.entries(rec(selector.matchLabels))) matchers.push(`${k}="${String(v)}"`);
      for (const e of arr(selector.matchExpressions).map(rec)) {
        if (e.operator !== 'In') throw new Error(`unexpected selector operator ${String(e.operator)}`);
        matchers.push(`${String(e.key)}=~"${arr(e.values).map(String).join('|')}"`);
      }
      matchers.push(`namespace="${NAMESPACE}"`);
      const expr = rule.metricsQuery
        .replaceAll('<<.Series>>', series)
        .replaceAll('<<.LabelMatchers>>', matchers.join(','));
      out.push({ source: `HPA ${hpa.name} (prometheus-adapter)`, expr });
    }
  }
  return out;
}

/** The ConfigMap's data as `helm template` renders it with these values: the pods' environment. */
export async function configMapEnv(opts: RenderOptions = {}): Promise<Record<string, string>> {
  const manifests = await render({ namespace: NAMESPACE, ...opts });
  const cms = ofKind(manifests, 'ConfigMap').filter((m) => m.labels.grafana_dashboard !== '1');
  const env = cms.map(dataOf).find((d) => 'SHARDS' in d);
  if (!env)
    throw new Error(
      `no ConfigMap with the product's environment (have: ${cms.map((m) => m.name).join(', ')})`,
    );
  return env;
}
