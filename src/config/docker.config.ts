import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface DockerConfig {
  /** The docker CLI binary; DOCKER_HOST and friends pass through to it from the environment. */
  dockerBin: string;
  deployTimeoutSeconds: number;
  maxParallelDeployments: number;
  rollbackOnFailure: boolean;
  webhookWaitSeconds: number;
  /** `on`: USERs may not deploy privileged containers, host namespaces, cap_add, devices, bind mounts. */
  composePolicy: 'on' | 'off';
}

export function readDockerConfig(env: EnvReader): DockerConfig {
  return {
    dockerBin: env.string('DOCKER_BIN') ?? 'docker',
    deployTimeoutSeconds: env.int('DEPLOY_TIMEOUT_SECONDS', 600, 1, 24 * 60 * 60),
    maxParallelDeployments: env.int('MAX_PARALLEL_DEPLOYMENTS', 4, 1, 64),
    rollbackOnFailure: env.bool('ROLLBACK_ON_FAILURE', true),
    webhookWaitSeconds: env.int('WEBHOOK_WAIT_SECONDS', 20, 0, 600),
    composePolicy: env.choice('COMPOSE_POLICY', ['on', 'off'] as const, 'on'),
  };
}

export const loadDockerConfig = (env: Env): DockerConfig => loadFeature(env, readDockerConfig);
export const dockerConfig = featureConfig<DockerConfig>('docker');
