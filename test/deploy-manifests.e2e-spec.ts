import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../src/config/env.schema';
import { NODE_FLAGS } from './support/node-flags';

const DIR = join(__dirname, '..', 'deploy', 'k8s');
const docs = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS()));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const workloads = () => byKind('StatefulSet');
const workload = (name: string) => workloads().find((d) => d.metadata.name === name);
const service = (name: string) => byKind('Service').find((d) => d.metadata.name === name);
const knownEnv = new Set(Object.keys(envSchema.shape));

describe('Kubernetes manifests match the app', () => {
  const configMap = byKind('ConfigMap')[0];
  const secret = byKind('Secret')[0];

  it('only set environment variables the app reads', () => {
    const names = [
      ...Object.keys(configMap.data),
      ...Object.keys(secret.stringData),
      ...workloads().flatMap((d) => d.spec.template.spec.containers[0].env.map((e: any) => e.name)),
    ];
    expect(names.filter((n) => !knownEnv.has(n))).toEqual([]);
    expect(secret.stringData).toHaveProperty('TELEGRAM_BOT_TOKEN');
  });

  it.each(['telegram-bot-polling', 'telegram-bot-webhook'])(
    '%s probes the health endpoints and is scraped on the ops port, which the Service does not expose',
    (name) => {
      const template = workload(name).spec.template;
      const pod = template.spec;
      const container = pod.containers[0];
      const port = (portName: string) =>
        container.ports.find((p: any) => p.name === portName)?.containerPort;
      expect(port('http')).toBe(Number(configMap.data.PORT));
      expect(port('ops')).toBe(Number(configMap.data.OPS_PORT));
      for (const probe of ['livenessProbe', 'startupProbe', 'readinessProbe'])
        expect(container[probe].httpGet.port).toBe('ops');
      expect(template.metadata.annotations['prometheus.io/port']).toBe(configMap.data.OPS_PORT);
      expect(service('telegram-bot').spec.ports.map((p: any) => p.targetPort)).toEqual(['http']);
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.startupProbe.httpGet.path).toBe('/health/live');
      // Polling: a healthy standby counts as ready for the rollout (see the polling test below).
      expect(container.readinessProbe.httpGet.path).toMatch(/^\/health\/ready(\?standby=ready)?$/);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
        Number(configMap.data.SHUTDOWN_TIMEOUT_MS),
      );
    },
  );

  it.each(['telegram-bot-polling', 'telegram-bot-webhook'])(
    '%s keeps DATA_DIR (the journals) on a persistent volume of its own, which outlives the pod',
    (name) => {
      const dataDir = /^ENV .*\bDATA_DIR=(\S+)/m.exec(
        readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8'),
      )?.[1];
      const set = workload(name).spec;
      const mount = set.template.spec.containers[0].volumeMounts.find(
        (m: any) => m.mountPath === dataDir,
      );
      expect(mount).toBeDefined();
      expect(set.template.spec.volumes).toBeUndefined();
      const claim = set.volumeClaimTemplates.find((c: any) => c.metadata.name === mount.name);
      expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
      // A StatefulSet names the headless Service that gives its pods their stable names.
      expect(service(set.serviceName).spec.clusterIP).toBe('None');
    },
  );

  it('starts node with the same flags everywhere: npm run start:prod, nest start, the image, the pods', () => {
    const read = (file: string) => readFileSync(join(__dirname, '..', file), 'utf8');
    const image = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]) as string[];
    const nestStart = (JSON.parse(read('nest-cli.json')) as { exec: string }).exec.split(' ');
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    expect(image).toEqual(['node', ...NODE_FLAGS, 'dist/main.js']);
    expect(nestStart).toEqual(['node', ...NODE_FLAGS]);
    expect(workloads()).toHaveLength(2);
    for (const d of workloads()) expect(d.spec.template.spec.containers[0].args).toEqual(image);
  });

  it('runs two polling replicas electing one poller, rolled one at a time with standbys ready', () => {
    const polling = workload('telegram-bot-polling');
    const container = polling.spec.template.spec.containers[0];
    expect(polling.spec.replicas).toBe(2);
    expect(polling.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(polling.spec.podManagementPolicy).toBe('Parallel');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'BOT_MODE', value: 'polling' },
        { name: 'POLLING_LEASE', value: 'true' },
      ]),
    );
    // The lease lives in Redis: the secret must carry its URL.
    expect(secret.stringData).toHaveProperty('REDIS_URL');
    expect(container.envFrom).toContainEqual({ secretRef: { name: secret.metadata.name } });
    // Without ?standby=ready the standby would never be ready and the rollout would stall.
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready?standby=ready');
  });

  it('scales webhook replicas with an autoscaler', () => {
    const webhook = workload('telegram-bot-webhook');
    const env = webhook.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).toEqual(expect.arrayContaining(['BOT_MODE', 'WEBHOOK_URL']));
    const hpa = byKind('HorizontalPodAutoscaler')[0];
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'StatefulSet',
      name: 'telegram-bot-webhook',
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });
});
