/**
 * deploy/k8s/ against the Kubernetes schemas (kubernetes-models validates each object as the API
 * server's OpenAPI schema does; KEDA's ScaledObject by its CRD schema) and against the code: one
 * Deployment, Service and PodDisruptionBudget per role of core/roles.ts, probes on the routes the
 * origin serves, autoscalers where the issue asks for them, the worker scaled on the real BullMQ
 * wait list, and an environment the origin's own config schema accepts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { roleNames } from '../core/roles.ts';
import { configKeys, loadConfig } from '../origin/config.ts';
import { VARIANT_QUEUE } from '../origin/queue/bullmq-queue.ts';
import { repoRoot } from './helpers/origin.ts';

const folder = join(repoRoot, 'deploy/k8s');
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  // The shapes below are read loosely; the schema validation is what checks them.
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

let manifests: (Manifest & { file: string })[];
const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

beforeAll(async () => {
  manifests = [];
  for (const file of (await readdir(folder)).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const document of parseAllDocuments(await readFile(join(folder, file), 'utf8'))) {
      expect(document.errors, file).toEqual([]);
      manifests.push({ ...(document.toJS() as Manifest), file });
    }
  }
});

describe('deploy/k8s', () => {
  it('holds only objects that validate against their Kubernetes (or KEDA) schema', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) {
      const Model = models[`${manifest.apiVersion}/${manifest.kind}`];
      expect(Model, `${manifest.file}: ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      const { file: _file, ...object } = manifest;
      expect(() => new Model!(object as never).validate(), `${manifest.file}: ${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    }
  });

  it('the validation refuses a broken object (a string port), so the check above can fail', () => {
    const deployment = structuredClone(find('Deployment', 'pixelfront-delivery')!);
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    const { file: _file, ...object } = deployment;
    expect(() => new Deployment(object as never).validate()).toThrow(/containerPort/);
  });

  it.each(roleNames)('runs the %s role as its own Deployment, Service and PodDisruptionBudget', (role) => {
    const name = `pixelfront-${role}`;
    const deployment = find('Deployment', name);
    expect(deployment, name).toBeDefined();
    const pod = deployment!.spec.template;
    const [container] = pod.spec.containers;
    expect(container.env).toContainEqual({ name: 'ROLES', value: role });
    // `args`, not `command`: the image's entrypoint (scripts/process-env.sh) keeps its memory settings.
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['node', 'dist/origin/main.js']);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(container.resources.requests).toHaveProperty('cpu');
    expect(container.resources.requests).toHaveProperty('memory');
    expect(container.resources.limits).toHaveProperty('memory');

    const service = find('Service', name);
    expect(service?.spec.selector).toEqual(pod.metadata.labels);
    const portNames = container.ports.map((port: { name: string }) => port.name);
    expect(portNames).toContain(service?.spec.ports[0].targetPort);
    expect(find('PodDisruptionBudget', name)?.spec.selector.matchLabels).toEqual(pod.metadata.labels);
  });

  it('spreads every Deployment over zones, then nodes, so one zone lost leaves replicas elsewhere', () => {
    const deployments = manifests.filter((manifest) => manifest.kind === 'Deployment');
    expect(deployments.map((deployment) => deployment.metadata.name).sort()).toEqual(
      [...roleNames, 'worker'].map((name) => `pixelfront-${name}`).sort(),
    );
    for (const deployment of deployments) {
      const pod = deployment.spec.template;
      const spread = (pod.spec.topologySpreadConstraints ?? []) as Array<{ topologyKey: string; labelSelector: { matchLabels: unknown } }>;
      expect(
        spread.map((constraint) => constraint.topologyKey),
        deployment.metadata.name,
      ).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const constraint of spread) expect(constraint.labelSelector.matchLabels).toEqual(pod.metadata.labels);
    }
  });

  it('scales delivery and upload on CPU, and the worker pool on the BullMQ wait list through KEDA', () => {
    for (const role of ['delivery', 'upload']) {
      const hpa = find('HorizontalPodAutoscaler', `pixelfront-${role}`);
      expect(hpa?.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: `pixelfront-${role}` });
      expect(hpa?.spec.metrics[0].resource.name).toBe('cpu');
    }
    const config = find('ConfigMap', 'pixelfront-config')!.data!;
    const scaled = find('ScaledObject', 'pixelfront-worker');
    expect(find('Deployment', scaled?.spec.scaleTargetRef.name)).toBeDefined();
    const [trigger] = scaled?.spec.triggers ?? [];
    expect(trigger.type).toBe('redis');
    // BullMQ keeps waiting jobs in the list <prefix>:<queue>:wait.
    expect(trigger.metadata.listName).toBe(`${config['QUEUE_PREFIX']}:${VARIANT_QUEUE}:wait`);
    expect(`redis://${trigger.metadata.address as string}`).toBe(config['REDIS_URL']);
  });

  it('sets only variables the origin reads, in a combination its config schema accepts', () => {
    const env = { ...find('ConfigMap', 'pixelfront-config')!.data, ...find('Secret', 'pixelfront-secrets')!.stringData };
    const unknown = Object.keys(env).filter((key) => !configKeys.includes(key) && !key.startsWith('AWS_'));
    expect(unknown).toEqual([]);
    for (const role of roleNames) expect(() => loadConfig({ ...env, ROLES: role })).not.toThrow();
  });

  it("sends each role host of the Ingress to that role's Service", () => {
    const rules = find('Ingress', 'pixelfront')?.spec.rules as {
      host: string;
      http: { paths: { backend: { service: { name: string } } }[] };
    }[];
    const routed = rules.map((rule) => [rule.host.split('.')[0], rule.http.paths[0]?.backend.service.name]);
    expect(routed.sort()).toEqual(roleNames.map((role) => [role, `pixelfront-${role}`]).sort());
  });
});

describe('deploy/compose.yaml', () => {
  interface ComposeService {
    image?: string;
    command?: string[];
    environment?: Record<string, string>;
    deploy?: { replicas?: number };
  }
  let services: Record<string, ComposeService>;
  beforeAll(async () => {
    services = (
      parse(await readFile(join(repoRoot, 'deploy/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> }
    ).services;
  });

  it.each(roleNames)('runs the %s role from the image, on an environment the config schema accepts', (role) => {
    const service = services[role];
    expect(service?.image).toBe('localhost/pixelfront:latest');
    expect(service?.environment?.['ROLES']).toBe(role);
    expect(() => loadConfig(service?.environment ?? {})).not.toThrow();
    expect(Object.keys(service?.environment ?? {}).filter((key) => !configKeys.includes(key) && !key.startsWith('AWS_'))).toEqual([]);
  });

  it('runs two delivery replicas and two workers beside PostgreSQL, Redis and an S3 store', () => {
    expect(services['delivery']?.deploy?.replicas).toBe(2);
    expect(services['worker']?.command).toEqual(['node', 'dist/worker-pool/main.js']);
    expect(services['worker']?.deploy?.replicas).toBe(2);
    for (const backend of ['postgres', 'redis', 's3']) expect(services).toHaveProperty(backend);
  });
});
