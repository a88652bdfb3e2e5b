import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../common/app-error';
import { AuthUser } from '../../common/decorators/current-user.decorator';
import { ErrorDef, Errors } from '../../common/error-codes';
import { dockerConfig } from '../../config/docker.config';
import { tenancyConfig } from '../../config/tenancy.config';
import { DockerCli, DockerCliError, DockerTimeoutError, DockerUnavailableError } from '../../swarm/docker-cli';
import { ComposeFile, parseComposeFile } from './compose-file';
import { checkComposePolicy, checkReplicaLimit, PolicyViolation } from './compose-policy';
import { stackSecretRefs, supportsStackSecrets } from './deploy-override';
import { PolicyContextReader, PolicyTarget } from './policy-context';

const DOCKER_CONFIG_TIMEOUT_MS = 30_000;
const MAX_DOCKER_MESSAGE = 1000;

function refuse(error: ErrorDef, violations: PolicyViolation[]): void {
  if (!violations.length) return;
  throw new AppError(
    error,
    { zh: `不允许：${violations.map((v) => v.key).join('；')}`, en: violations.map((v) => `${v.key}: ${v.reason}`).join('; ') },
    { violations },
  );
}

/** Every check a compose file passes before it is saved: ours, the USER policy, then docker's own. */
@Injectable()
export class ComposeValidator {
  private readonly logger = new Logger(ComposeValidator.name);
  private warnedNoDocker = false;

  constructor(
    private readonly docker: DockerCli,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
    @Inject(tenancyConfig.KEY) private readonly tenancy: ConfigType<typeof tenancyConfig>,
    private readonly context: PolicyContextReader,
  ) {}

  /** Checks `content` as the compose file of `target`'s stack, written by `author`. */
  async validate(content: string, author: AuthUser, target: PolicyTarget): Promise<ComposeFile> {
    const compose = parseComposeFile(content);
    let stackSecrets: string[];
    if (this.config.composePolicy === 'on' && author.role !== 'ADMIN') {
      const context = await this.context.read(compose, target);
      refuse(Errors.COMPOSE_POLICY_VIOLATION, checkComposePolicy(compose, context));
      refuse(Errors.REPLICAS_LIMIT, checkReplicaLimit(compose, this.tenancy.userMaxReplicas));
      stackSecrets = [...context.stackSecrets];
    } else {
      stackSecrets = await this.context.stackSecretNames(target.scriptId);
    }
    if (Object.keys(stackSecretRefs(compose, stackSecrets)).length && !supportsStackSecrets(compose)) {
      const message = 'stack secrets need compose file version 3.5 or later (or no version line)';
      throw new AppError(Errors.COMPOSE_REJECTED_BY_DOCKER, { zh: `栈密钥需要 compose 文件版本 3.5 或更高（或不写 version）`, en: message });
    }
    // Policy first: docker reads env_file and config files while validating.
    await this.validateWithDocker(content);
    return compose;
  }

  /**
   * `docker stack config` validates the file client-side against the compose schema the swarm uses,
   * so a file `docker stack deploy` would refuse is refused now, with docker's own message. Skipped
   * (with a warning) only when the docker CLI is not installed.
   */
  private async validateWithDocker(content: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'dds-compose-')); // created 0700
    try {
      const file = join(dir, 'docker-compose.yml');
      await writeFile(file, content, { mode: 0o600, flag: 'wx' });
      await this.docker.run(['stack', 'config', '-c', file], { timeoutMs: DOCKER_CONFIG_TIMEOUT_MS });
    } catch (err) {
      if (err instanceof DockerCliError) {
        const message = err.result.stderr.trim().split('\n').filter(Boolean).join('; ').replaceAll(dir, '.');
        const clipped = message.length > MAX_DOCKER_MESSAGE ? `${message.slice(0, MAX_DOCKER_MESSAGE)}...` : message;
        throw new AppError(Errors.COMPOSE_REJECTED_BY_DOCKER, { zh: clipped, en: clipped });
      }
      if (err instanceof DockerUnavailableError) {
        if (!this.warnedNoDocker) this.logger.warn(`compose files are saved without docker's validation: ${err.message}`);
        this.warnedNoDocker = true;
        return;
      }
      if (err instanceof DockerTimeoutError) {
        throw new AppError(Errors.SERVICE_UNAVAILABLE, { zh: 'docker 校验 compose 文件超时', en: 'docker did not validate the compose file in time' });
      }
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
