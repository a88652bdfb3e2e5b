import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { isUniqueViolation } from '../database/db-errors';
import { classifyDockerFailure } from '../swarm/docker-failure';
import { OWNER_LABELS } from '../swarm/stack-ownership';
import { SwarmObjectsService } from '../swarm/swarm-objects.service';
import { StackSecret } from './entities/stack-secret.entity';
import { OwnedStack, StackOwnership } from './stack-ownership.service';

/**
 * Stack secrets on the swarm. Swarm secrets cannot change, so every value is a new secret
 * `<stack>_<name>_<random>`; older versions are removed once no service uses them any more.
 */
@Injectable()
export class StackSecretStore {
  private readonly logger = new Logger(StackSecretStore.name);

  constructor(
    @InjectRepository(StackSecret) private readonly repo: Repository<StackSecret>,
    private readonly objects: SwarmObjectsService,
    private readonly ownership: StackOwnership,
  ) {}

  list(scriptId: number): Promise<StackSecret[]> {
    return this.repo.find({ where: { scriptId }, order: { name: 'ASC' } });
  }

  /** Stores a new value as a new swarm secret and points the script's secret at it. */
  async put(script: Required<OwnedStack>, name: string, value: string, userId: number): Promise<StackSecret> {
    const swarmName = `${script.serviceName}_${name}_${randomBytes(4).toString('hex')}`;
    await this.objects.createSecret(swarmName, value, { ...this.ownership.serviceLabels(script), [OWNER_LABELS.secret]: name }).catch((err: unknown) => {
      const { kind, message } = classifyDockerFailure(err);
      throw new AppError(kind === 'unavailable' ? Errors.DOCKER_UNAVAILABLE : Errors.SERVICE_UNAVAILABLE, { zh: message, en: `docker did not store the secret: ${message}` });
    });
    // The unique (script, name) index decides between a new secret and a new value, also for racing writers.
    await this.repo.insert({ scriptId: script.id, name, swarmName, updatedBy: userId }).catch(async (err: unknown) => {
      if (!isUniqueViolation(err)) throw err;
      await this.repo.update({ scriptId: script.id, name }, { swarmName, updatedBy: userId });
    });
    return (await this.repo.findOneBy({ scriptId: script.id, name }))!;
  }

  /** Forgets the secret; its swarm secrets go now or, while a service still uses one, at the next prune. */
  async delete(script: Required<OwnedStack>, name: string): Promise<boolean> {
    const { affected } = await this.repo.delete({ scriptId: script.id, name });
    if (affected) await this.prune(script).catch((err: Error) => this.logger.warn(`stack secrets of ${script.serviceName}: ${err.message}`));
    return Boolean(affected);
  }

  /** Removes the script's swarm secrets that are no longer current; those still in use stay for the next time. */
  async prune(script: Required<OwnedStack>): Promise<void> {
    const current = new Set((await this.list(script.id)).map((s) => s.swarmName));
    const labels = this.ownership.serviceLabels(script);
    const all = await this.objects.secretsLabelled({ [OWNER_LABELS.installation]: labels[OWNER_LABELS.installation], [OWNER_LABELS.script]: labels[OWNER_LABELS.script] });
    for (const name of all.filter((n) => !current.has(n))) {
      if (!(await this.objects.removeSecret(name))) this.logger.log(`secret ${name} is still in use; it goes at the next deployment`);
    }
  }
}
