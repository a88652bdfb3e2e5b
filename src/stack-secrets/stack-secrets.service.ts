import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { DeploymentIntake } from '../deployments/deployment-intake';
import { parseComposeFile } from '../scripts/compose/compose-file';
import { stackSecretRefs } from '../scripts/compose/deploy-override';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { StackSecretStore } from '../tenancy/stack-secret-store';
import { StackOwnership } from '../tenancy/stack-ownership.service';
import { MAX_SECRET_BYTES, STACK_SECRET_NAME, StackSecretDto, StackSecretSetDto } from './dto/stack-secret.dto';

/** A script's secrets: set (a new swarm secret, and a rolling redeploy when the stack uses it), list, delete. */
@Injectable()
export class StackSecretsService {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly intake: DeploymentIntake,
    private readonly store: StackSecretStore,
    private readonly ownership: StackOwnership,
  ) {}

  async list(user: AuthUser, scriptId: number): Promise<StackSecretDto[]> {
    const script = await this.scripts.findOwned(user, scriptId);
    return (await this.store.list(script.id)).map(StackSecretDto.from);
  }

  async set(user: AuthUser, scriptId: number, name: string, value: string): Promise<StackSecretSetDto> {
    const script = await this.scripts.findOwned(user, scriptId);
    checkName(name);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
      throw new AppError(Errors.VALIDATION_FAILED, { zh: 'value 超过 500 KiB', en: 'value is larger than 500 KiB' }, { errors: [{ field: 'value', message: 'at most 500 KiB' }] });
    }
    // A stack of this name that is someone else's could not be redeployed with it anyway.
    const ownership = await this.ownership.assertNotForeign(script);
    const saved = await this.store.put(script, name, value, user.id);
    let deploymentId: number | null = null;
    if (ownership.kind === 'owned' && usesSecret(script, name)) {
      // Swarm secrets are immutable: the services roll onto the new version.
      deploymentId = (await this.intake.request({ script, userId: user.id, action: 'create', trigger: 'manual' })).id;
    }
    return { ...StackSecretDto.from(saved), deploymentId };
  }

  async delete(user: AuthUser, scriptId: number, name: string): Promise<void> {
    const script = await this.scripts.findOwned(user, scriptId);
    checkName(name);
    if (usesSecret(script, name)) {
      throw new AppError(Errors.CONFLICT, {
        zh: `compose 文件仍在使用密钥 ${name}，请先从 compose 文件中移除`,
        en: `the compose file still uses the secret ${name}; remove it from the compose file first`,
      });
    }
    if (!(await this.store.delete(script, name))) throw new AppError(Errors.STACK_SECRET_NOT_FOUND);
  }
}

function checkName(name: string): void {
  if (!STACK_SECRET_NAME.test(name)) {
    throw new AppError(Errors.STACK_SECRET_NOT_FOUND, { zh: '名称须为 1-24 个字母、数字、_ . -', en: 'a name is 1-24 letters, digits, _ . or -' });
  }
}

function usesSecret(script: Script, name: string): boolean {
  return Object.values(stackSecretRefs(parseComposeFile(script.composeContent), [name])).includes(name);
}
