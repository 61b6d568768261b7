/**
 * Schema validation of rendered manifests with the kubernetes-models classes (the OpenAPI schemas
 * of Kubernetes, KEDA and the Prometheus operator). A kind without a model here fails the test, so
 * a new template cannot slip past validation.
 */
import { ScaledObject, type IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  PrometheusRule,
  type IPrometheusRule,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import {
  ServiceMonitor,
  type IServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import {
  PodDisruptionBudget,
  type IPodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { Manifest } from './helm.js';

/**
 * Builds the model and validates it: throws naming the manifest and the schema violation. The cast
 * is what `validate()` checks on the next line.
 */
function valid<T, M extends T>(make: (data: T) => M & { validate(): void }, m: Manifest): M {
  const model = make(m.raw as unknown as T);
  try {
    model.validate();
  } catch (err) {
    throw new Error(
      `${m.kind} ${m.name} fails its schema: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return model;
}

export const asDeployment = (m: Manifest): IDeployment => valid((d: IDeployment) => new Deployment(d), m);
export const asService = (m: Manifest): IService => valid((d: IService) => new Service(d), m);
export const asConfigMap = (m: Manifest): IConfigMap => valid((d: IConfigMap) => new ConfigMap(d), m);
export const asSecret = (m: Manifest): ISecret => valid((d: ISecret) => new Secret(d), m);
export const asPdb = (m: Manifest): IPodDisruptionBudget =>
  valid((d: IPodDisruptionBudget) => new PodDisruptionBudget(d), m);
export const asHpa = (m: Manifest): IHorizontalPodAutoscaler =>
  valid((d: IHorizontalPodAutoscaler) => new HorizontalPodAutoscaler(d), m);
export const asScaledObject = (m: Manifest): IScaledObject =>
  valid((d: IScaledObject) => new ScaledObject(d), m);
export const asIngress = (m: Manifest): IIngress => valid((d: IIngress) => new Ingress(d), m);
export const asServiceMonitor = (m: Manifest): IServiceMonitor =>
  valid((d: IServiceMonitor) => new ServiceMonitor(d), m);
export const asPrometheusRule = (m: Manifest): IPrometheusRule =>
  valid((d: IPrometheusRule) => new PrometheusRule(d), m);
export const asServiceAccount = (m: Manifest): IServiceAccount =>
  valid((d: IServiceAccount) => new ServiceAccount(d), m);

const validators: Readonly<Record<string, (m: Manifest) => unknown>> = {
  'apps/v1/Deployment': asDeployment,
  'v1/Service': asService,
  'v1/ConfigMap': asConfigMap,
  'v1/Secret': asSecret,
  'v1/ServiceAccount': asServiceAccount,
  'policy/v1/PodDisruptionBudget': asPdb,
  'autoscaling/v2/HorizontalPodAutoscaler': asHpa,
  'keda.sh/v1alpha1/ScaledObject': asScaledObject,
  'networking.k8s.io/v1/Ingress': asIngress,
  'monitoring.coreos.com/v1/ServiceMonitor': asServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': asPrometheusRule,
};

/** Validates one manifest against its schema; throws for a kind this module has no model for. */
export function validateManifest(m: Manifest): void {
  const validate = validators[`${m.apiVersion}/${m.kind}`];
  if (validate === undefined) throw new Error(`no schema model for ${m.apiVersion} ${m.kind} (${m.name})`);
  validate(m);
}
