import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from './origin.ts';
import { startRoundRobin, type RoundRobin } from './round-robin.ts';

/**
 * deploy/k8s/ played with `podman kube play` (issue 18), as far as podman runs Kubernetes objects.
 * What podman 4.3 (Debian bookworm's) does with them, found on this machine:
 * - Deployments become one pod per replica (`<name>-pod-<n>`), labelled with the template's labels;
 *   ConfigMaps feed `envFrom`. Services, PodDisruptionBudgets, HorizontalPodAutoscalers, Ingresses
 *   and KEDA ScaledObjects are skipped ("Kube kind … not supported"): nothing load-balances,
 *   scales or guards disruptions.
 * - A `kind: Secret` document is stored as a podman secret, but read back as a JSON map of base64
 *   values, which the stored document is not ("secret … is not valid JSON"). So the Secret is
 *   created here in that form (podman secret create) and left out of the played file.
 * - Every containerPort is published on the same host port (hostPort defaults to containerPort),
 *   so a second replica, or a second role on 8080, fails with "address already in use". The played
 *   Deployments therefore leave out `ports`; each pod still listens on 8080 in its own network
 *   namespace, at its own address on the podman network.
 * - Probes become podman healthchecks (`curl http://localhost:0/…` for a named port), which run
 *   from systemd timers only: here they never run. The test calls the probe paths itself.
 * Since podman runs no Service, each Service is resolved as kube-proxy would resolve it (its
 * selector against the pods' labels, its targetPort against the Deployment's named container port)
 * and stood in for by a round-robin TCP forwarder on one loopback port (test/helpers/round-robin.ts).
 */

interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  // Read loosely: test/deploy-manifests.test.ts validates these against the Kubernetes schemas.
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Pod {
  name: string;
  labels: Record<string, string>;
  ip: string;
  /** The URLs of its containers' readiness and liveness probes (podman never calls them here). */
  probes: string[];
}

export interface PlayedSet {
  pods: Pod[];
  /** Each Service's stand-in, by Service name, with the endpoints it resolved to. */
  services: Map<string, { forwarder: RoundRobin; url: string; endpoints: string[] }>;
  /** The kinds podman reported it does not support. */
  unsupported: string[];
  down(): Promise<void>;
}

export type Podman = (args: string[], timeoutMs?: number) => Promise<{ stdout: string; stderr: string }>;

export async function playDeployments(
  podman: Podman,
  options: {
    dir: string;
    network: string;
    /** The image the played containers run instead of the manifests' (this run's own build). */
    image: string;
    config: Record<string, string>;
    secrets: Record<string, string>;
  },
): Promise<PlayedSet> {
  const folder = join(repoRoot, 'deploy/k8s');
  const docs: Doc[] = [];
  for (const file of (await readdir(folder)).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(folder, file), 'utf8'))) docs.push(doc.toJS() as Doc);
  }

  const played: Doc[] = [];
  let secret: Doc | undefined;
  for (const doc of docs) {
    if (doc.kind === 'Secret') secret = doc;
    else if (doc.kind === 'ConfigMap') played.push({ ...doc, data: { ...doc.data, ...options.config } });
    else if (doc.kind === 'Deployment') played.push(asPlayed(doc, options.image));
    else played.push(doc);
  }
  if (secret === undefined) throw new Error('deploy/k8s has no Secret');
  const secretValues = { ...secret.stringData, ...options.secrets };
  const secretFile = join(options.dir, 'secret.json');
  await writeFile(
    secretFile,
    JSON.stringify(Object.fromEntries(Object.entries(secretValues).map(([key, value]) => [key, Buffer.from(value).toString('base64')]))),
  );
  const playFile = join(options.dir, 'deploy.yaml');
  await writeFile(playFile, played.map((doc) => stringify(doc)).join('---\n'));

  await podman(['kube', 'play', '--down', playFile]).catch(() => undefined); // leftovers of an earlier run
  await podman(['secret', 'rm', secret.metadata.name]).catch(() => undefined);
  await podman(['secret', 'create', secret.metadata.name, secretFile]);
  const services = new Map<string, { forwarder: RoundRobin; url: string; endpoints: string[] }>();
  const down = async () => {
    for (const service of services.values()) await service.forwarder.close();
    await podman(['kube', 'play', '--down', playFile], 3 * 60_000).catch(() => undefined);
    await podman(['secret', 'rm', secret.metadata.name]).catch(() => undefined);
  };

  try {
    const { stderr } = await podman(['--log-level=info', 'kube', 'play', '--network', options.network, playFile], 5 * 60_000);
    const unsupported = [...stderr.matchAll(/Kube kind (\w+) not supported/g)].map((match) => match[1] ?? '');
    const pods = await podsOf(podman, docs);
    for (const service of docs.filter((doc) => doc.kind === 'Service')) {
      const endpoints = endpointsOf(service, docs, pods);
      if (endpoints.length === 0) throw new Error(`Service ${service.metadata.name} selects no pod`);
      const forwarder = await startRoundRobin('127.0.0.1', endpoints);
      const address = { forwarder, url: `http://127.0.0.1:${String(forwarder.port)}`, endpoints: endpoints.map(endpointName) };
      services.set(service.metadata.name, address);
    }
    return { pods, services, unsupported: [...new Set(unsupported)].sort(), down };
  } catch (error) {
    await down();
    throw error;
  }
}

/** The Deployment as played: its containers without `ports` (see the module comment), on `image`. */
function asPlayed(doc: Doc, image: string): Doc {
  const copy = structuredClone(doc);
  for (const container of copy.spec.template.spec.containers as Array<{ ports?: unknown; image: string }>) {
    delete container.ports;
    container.image = image;
  }
  return copy;
}

/** The pods podman made for the Deployments, with their labels and addresses on the network. */
async function podsOf(podman: Podman, docs: Doc[]): Promise<Pod[]> {
  const deployments = new Map(docs.filter((doc) => doc.kind === 'Deployment').map((doc) => [doc.metadata.name, doc]));
  const { stdout } = await podman(['pod', 'ps', '--format', 'json']);
  const listed = JSON.parse(stdout) as Array<{ Name: string; Labels?: Record<string, string>; InfraId: string }>;
  const pods: Pod[] = [];
  for (const pod of listed) {
    const deployment = deployments.get(pod.Name.replace(/-pod-\d+$/, ''));
    if (deployment === undefined) continue;
    const { stdout: ip } = await podman(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', pod.InfraId]);
    const host = ip.trim();
    const probes = (deployment.spec.template.spec.containers as Container[]).flatMap((container) =>
      [container.readinessProbe, container.livenessProbe].flatMap((probe) =>
        probe === undefined ? [] : [`http://${host}:${String(portNumber(container, probe.httpGet.port))}${probe.httpGet.path}`],
      ),
    );
    pods.push({ name: pod.Name, labels: pod.Labels ?? {}, ip: host, probes });
  }
  return pods;
}

interface Probe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

/** A port as a probe or a Service names it: a number, or the name of one of the container's ports. */
function portNumber(container: Container, port: string | number | undefined): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

/** A Service's endpoints as kube-proxy finds them: selected pods, at the target port's number. */
function endpointsOf(service: Doc, docs: Doc[], pods: Pod[]): Array<{ host: string; port: number }> {
  const selector = service.spec.selector as Record<string, string>;
  const targetPort = (service.spec.ports as Array<{ targetPort: string | number }>)[0]?.targetPort;
  const selects = (labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
  const deployment = docs.find((doc) => doc.kind === 'Deployment' && selects(doc.spec.template.metadata.labels as Record<string, string>));
  const containers = (deployment?.spec.template.spec.containers ?? []) as Container[];
  const port = containers.map((container) => portNumber(container, targetPort)).find((number) => number !== undefined);
  if (port === undefined) throw new Error(`Service ${service.metadata.name}: targetPort ${String(targetPort)} names no container port`);
  return pods.filter((pod) => selects(pod.labels)).map((pod) => ({ host: pod.ip, port }));
}

function endpointName(endpoint: { host: string; port: number }): string {
  return `${endpoint.host}:${String(endpoint.port)}`;
}
