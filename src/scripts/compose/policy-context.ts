import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { tenancyConfig } from '../../config/tenancy.config';
import { StackSecret } from '../../tenancy/entities/stack-secret.entity';
import { isStackName } from '../../swarm/docker-names';
import { Script } from '../entities/script.entity';
import { ComposeFile } from './compose-file';
import { externalResourceNames, PolicyContext } from './compose-policy';

/** The script a compose file is checked for: its stack, and its id once saved. */
export interface PolicyTarget {
  stack: string;
  scriptId?: number;
  userId: number;
}

/** The stacks a swarm name could belong to: every prefix ending before a `_` (`a_b_data`: `a`, `a_b`). */
export function candidateStacks(name: string): string[] {
  const parts = name.split('_');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('_')).filter(isStackName);
}

/** What the USER policy needs to know about the author from the database. */
@Injectable()
export class PolicyContextReader {
  constructor(
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @InjectRepository(StackSecret) private readonly secrets: Repository<StackSecret>,
    @Inject(tenancyConfig.KEY) private readonly config: ConfigType<typeof tenancyConfig>,
  ) {}

  async read(compose: ComposeFile, target: PolicyTarget): Promise<PolicyContext> {
    const { volumes, networks } = externalResourceNames(compose);
    const candidates = [...new Set([...volumes, ...networks].flatMap(candidateStacks))];
    const owners = new Map<string, number>([[target.stack, target.userId]]);
    if (candidates.length) {
      const rows = await this.scripts.find({ select: { serviceName: true, userId: true }, where: { serviceName: In(candidates) } });
      for (const r of rows) owners.set(r.serviceName, r.userId);
    }
    const stackSecrets = await this.stackSecretNames(target.scriptId);
    return {
      stack: target.stack,
      // Own only when the name lies in one of the author's stacks and in nobody else's (`a_b_x` may be stack a_b's).
      isOwnResource: (name) => {
        const stacks = candidateStacks(name).filter((s) => owners.has(s));
        return stacks.length > 0 && stacks.every((s) => owners.get(s) === target.userId);
      },
      sharedNetworks: this.config.sharedNetworks,
      stackSecrets,
      portRange: this.config.userPortRange,
    };
  }

  async stackSecretNames(scriptId: number | undefined): Promise<string[]> {
    if (scriptId === undefined) return [];
    return (await this.secrets.find({ select: { name: true }, where: { scriptId } })).map((s) => s.name);
  }
}
