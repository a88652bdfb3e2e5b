import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docker } from './test-images';

/** A deployment as the API answers it. */
export interface Deployment {
  id: number;
  action: string;
  trigger: string;
  tag: string | null;
  digest: string | null;
  status: string;
  error: string | null;
  errorCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** The statuses a deployment ends in. */
export const FINISHED = ['succeeded', 'failed', 'rolled_back', 'superseded', 'interrupted'];

/** The registry host of the contract's Alibaba Cloud example (images are only tagged so locally). */
export const ALIYUN_HOST = 'registry.cn-shanghai.aliyuncs.com';

/** The contract's Alibaba Cloud ACR payload (test/fixtures) for `namespace/name:tag`, with a fresh digest. */
export function aliyunPush(namespace: string, tag: string, name = 'halo', digest = `sha256:${randomBytes(32).toString('hex')}`) {
  const body = JSON.parse(readFileSync(join(__dirname, '../fixtures/webhooks/aliyun-acr-personal.json'), 'utf8'));
  body.push_data.tag = tag;
  body.push_data.digest = digest;
  body.repository.namespace = namespace;
  body.repository.name = name;
  body.repository.repo_full_name = `${namespace}/${name}`;
  return body;
}

/** A one-service stack (`halo`) tuned for fast rollouts, rolled back on failure. */
export function haloCompose(image: string, extra = ''): string {
  return `version: "3.8"
services:
  halo:
    image: ${image}
    stop_grace_period: 1s
    deploy:
      replicas: 1
      update_config: { parallelism: 1, delay: 0s, monitor: 1s, failure_action: rollback }
${extra}`;
}

/** The image a swarm service's spec runs, without the digest docker may pin to it. */
export const specImage = (service: string): string =>
  JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Image}}', service)).split('@')[0];
