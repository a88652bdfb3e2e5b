import { registerAs } from '@nestjs/config';
import { Env, readBool, readChoice, readEnv, readInt } from './env';

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

export function loadDockerConfig(env: Env = process.env): DockerConfig {
  return {
    dockerBin: readEnv(env, 'DOCKER_BIN') ?? 'docker',
    deployTimeoutSeconds: readInt(env, 'DEPLOY_TIMEOUT_SECONDS', 600, 1, 24 * 60 * 60),
    maxParallelDeployments: readInt(env, 'MAX_PARALLEL_DEPLOYMENTS', 4, 1, 64),
    rollbackOnFailure: readBool(env, 'ROLLBACK_ON_FAILURE', true),
    webhookWaitSeconds: readInt(env, 'WEBHOOK_WAIT_SECONDS', 20, 0, 600),
    composePolicy: readChoice(env, 'COMPOSE_POLICY', ['on', 'off'] as const, 'on'),
  };
}

export const dockerConfig = registerAs('docker', () => loadDockerConfig());
