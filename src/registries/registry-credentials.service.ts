import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { registriesConfig } from '../config/registries.config';
import { isUniqueViolation } from '../database/db-errors';
import { reencryptStale, SecretCipher } from '../encryption/secret-cipher';
import { DockerAuth, RegistryLogin } from '../swarm/docker-auth';
import { DockerCliError } from '../swarm/docker-cli';
import { classifyDockerFailure } from '../swarm/docker-failure';
import { User } from '../users/entities/user.entity';
import { CreateRegistryCredentialDto, RegistryCredentialDto, UpdateRegistryCredentialDto } from './dto/registry-credential.dto';
import { CredentialScope, RegistryCredential } from './entities/registry-credential.entity';
import { equivalentHosts, normaliseRegistryHost } from './registry-host';

/** The logins one operation needs, and which stored credentials they came from (to record their use). */
export interface OperationLogins {
  logins: RegistryLogin[];
  credentialIds: number[];
}

// What docker login prints when the registry answered but refused (401/403), as opposed to not answering.
const REFUSED = /unauthorized|denied|forbidden|incorrect username or password|authentication required|status: 40[13]/i;

/**
 * Registry credentials: saved after a real login proves them, stored encrypted, handed out per
 * operation to the deployments of their owner (or, for a shared one, of every user).
 */
@Injectable()
export class RegistryCredentialsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(RegistryCredentialsService.name);

  constructor(
    @InjectRepository(RegistryCredential) private readonly repo: Repository<RegistryCredential>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly cipher: SecretCipher,
    private readonly dockerAuth: DockerAuth,
    @Inject(registriesConfig.KEY) private readonly config: ConfigType<typeof registriesConfig>,
  ) {}

  /** The caller's own credentials and the shared ones. */
  async list(user: AuthUser): Promise<RegistryCredentialDto[]> {
    const rows = await this.repo.find({ where: [{ userId: user.id }, { scope: 'shared' }], order: { host: 'ASC', id: 'ASC' } });
    return this.present(rows);
  }

  async get(user: AuthUser, id: number): Promise<RegistryCredentialDto> {
    return (await this.present([await this.visible(user, id)]))[0];
  }

  async create(user: AuthUser, dto: CreateRegistryCredentialDto): Promise<RegistryCredentialDto> {
    const host = normaliseRegistryHost(dto.host);
    if (!host) {
      throw new AppError(Errors.VALIDATION_FAILED, { zh: 'host 必须是 host[:port]', en: 'host must be host[:port]' }, { errors: [{ field: 'host', message: 'host must be a registry host[:port], e.g. registry.cn-hangzhou.aliyuncs.com' }] });
    }
    if (dto.shared && user.role !== 'ADMIN') throw new AppError(Errors.FORBIDDEN, { zh: '只有管理员可以保存共享凭据', en: 'only an ADMIN may save a shared credential' });
    const scope: CredentialScope = dto.shared ? 'shared' : `user:${user.id}`;
    if (await this.repo.existsBy({ scope, host })) throw new AppError(Errors.REGISTRY_CREDENTIAL_EXISTS);
    await this.checkLogin({ host, username: dto.username, password: dto.password });
    try {
      const saved = await this.repo.save(
        this.repo.create({
          scope,
          userId: dto.shared ? null : user.id,
          host,
          username: dto.username,
          passwordEncrypted: this.cipher.encrypt(dto.password, cipherContext(scope, host)),
          createdBy: user.id,
          updatedBy: user.id,
          lastUsedAt: null,
          lastUseOk: null,
          lastUseError: null,
        }),
      );
      return this.get(user, saved.id);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError(Errors.REGISTRY_CREDENTIAL_EXISTS);
      throw err;
    }
  }

  async update(user: AuthUser, id: number, dto: UpdateRegistryCredentialDto): Promise<RegistryCredentialDto> {
    const row = await this.writable(user, id);
    await this.checkLogin({ host: row.host, username: dto.username, password: dto.password });
    await this.repo.update(
      { id: row.id },
      { username: dto.username, passwordEncrypted: this.cipher.encrypt(dto.password, cipherContext(row.scope, row.host)), updatedBy: user.id, lastUseOk: null, lastUseError: null },
    );
    return this.get(user, id);
  }

  async delete(user: AuthUser, id: number): Promise<void> {
    const row = await this.writable(user, id);
    await this.repo.delete({ id: row.id });
  }

  /**
   * For each host, the login a deployment of `userId` uses: the user's own credential for the host or
   * an equivalent endpoint first, then a shared one. Hosts without a credential are left out (public).
   */
  async loginsFor(userId: number, hosts: Iterable<string>): Promise<OperationLogins> {
    const wanted = [...new Set(hosts)];
    const candidates = new Map(wanted.map((h) => [h, equivalentHosts(h)]));
    const all = [...new Set([...candidates.values()].flat())];
    if (!all.length) return { logins: [], credentialIds: [] };
    const rows = await this.repo.find({ where: [{ userId, host: In(all) }, { scope: 'shared', userId: IsNull(), host: In(all) }] });
    const result: OperationLogins = { logins: [], credentialIds: [] };
    for (const host of wanted) {
      const names = candidates.get(host)!;
      const rank = (r: RegistryCredential) => (r.scope === 'shared' ? names.length : 0) + names.indexOf(r.host);
      const best = rows.filter((r) => names.includes(r.host)).sort((a, b) => rank(a) - rank(b))[0];
      if (!best) continue;
      result.logins.push({ host, username: best.username, password: this.password(best) });
      result.credentialIds.push(best.id);
    }
    return result;
  }

  /** Records that an operation used these credentials, and whether the registry accepted them. */
  async recordUse(ids: number[], outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
    if (!ids.length) return;
    await this.repo
      .update({ id: In(ids) }, { lastUsedAt: new Date(), lastUseOk: outcome.ok ? 1 : 0, lastUseError: outcome.ok ? null : outcome.error.slice(0, 500) })
      .catch((err: Error) => this.logger.warn(`cannot record the use of registry credentials: ${err.message}`));
  }

  /** After a key rotation (SECRETS_KEY_PREVIOUS), rewrites every password under the current key. */
  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.repo.find({ select: { id: true, scope: true, host: true, passwordEncrypted: true } });
    await reencryptStale(
      this.cipher,
      this.logger,
      rows.map((row) => ({
        stored: row.passwordEncrypted,
        context: cipherContext(row.scope, row.host),
        label: `registry credential ${row.id} (${row.host})`,
        save: (fresh) => this.repo.update({ id: row.id, passwordEncrypted: row.passwordEncrypted }, { passwordEncrypted: fresh }),
      })),
    );
  }

  private password(row: RegistryCredential): string {
    try {
      return this.cipher.decrypt(row.passwordEncrypted, cipherContext(row.scope, row.host));
    } catch (err) {
      const why = `the saved credential for ${row.host} cannot be decrypted (${(err as Error).message}); was SECRETS_KEY changed? Save it again`;
      throw new AppError(Errors.REGISTRY_AUTH_FAILED, { zh: why, en: why });
    }
  }

  /** `docker login` with a throwaway config: the engine that will pull proves the login works. */
  private async checkLogin(login: RegistryLogin): Promise<void> {
    try {
      await this.dockerAuth.checkLogin(login, this.config.timeoutMs);
    } catch (err) {
      const { kind, message } = classifyDockerFailure(err);
      if (kind === 'unavailable') throw new AppError(Errors.DOCKER_UNAVAILABLE, { zh: message, en: message });
      const reason = message.replace(/^Error response from daemon:\s*/i, '').slice(0, 300);
      if (kind === 'failed' && err instanceof DockerCliError && REFUSED.test(err.result.stderr)) {
        throw new AppError(Errors.REGISTRY_AUTH_FAILED, { zh: `${login.host}: ${reason}`, en: `${login.host}: ${reason}` });
      }
      throw new AppError(Errors.REGISTRY_UNREACHABLE, { zh: `${login.host}: ${reason}`, en: `${login.host}: ${reason}` });
    }
  }

  /** Own or shared; anything else is "not found", never "forbidden". */
  private async visible(user: AuthUser, id: number): Promise<RegistryCredential> {
    const row = await this.repo.findOneBy({ id });
    if (!row || (row.scope !== 'shared' && row.userId !== user.id)) throw new AppError(Errors.REGISTRY_CREDENTIAL_NOT_FOUND);
    return row;
  }

  private async writable(user: AuthUser, id: number): Promise<RegistryCredential> {
    const row = await this.visible(user, id);
    if (row.scope === 'shared' && user.role !== 'ADMIN') throw new AppError(Errors.FORBIDDEN, { zh: '只有管理员可以修改共享凭据', en: 'only an ADMIN may change a shared credential' });
    return row;
  }

  private async present(rows: RegistryCredential[]): Promise<RegistryCredentialDto[]> {
    const ids = [...new Set(rows.map((r) => r.updatedBy))];
    const names = new Map((ids.length ? await this.users.find({ select: { id: true, username: true }, where: { id: In(ids) } }) : []).map((u) => [u.id, u.username]));
    return rows.map((r) => RegistryCredentialDto.from(r, names.get(r.updatedBy) ?? `#${r.updatedBy}`));
  }
}

/** Binds a stored password to its row's identity: copied into another row, it does not decrypt. */
const cipherContext = (scope: string, host: string) => `registry-credential:${scope}:${host}`;
