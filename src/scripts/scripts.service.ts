import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { rm } from 'node:fs/promises';
import { IsNull, Not, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Page } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { appConfig } from '../config/app.config';
import { dockerConfig } from '../config/docker.config';
import { tenancyConfig } from '../config/tenancy.config';
import { isUniqueViolation } from '../database/db-errors';
import { EntityRows } from '../database/entity-rows';
import { reencryptStale, SecretCipher } from '../encryption/secret-cipher';
import { isStackName } from '../swarm/docker-names';
import { composeFilePath, stackDirectory } from '../swarm/stack-files';
import { foreignStackError, namespaceOverlapError, StackOwnership } from '../tenancy/stack-ownership.service';
import { ComposeValidator } from './compose/compose-validator';
import { candidateStacks } from './compose/policy-context';
import { buildStackScripts } from './display/stack-scripts';
import { CreateScriptDto, ScriptDetailDto, ScriptDto, ScriptQueryDto, UpdateScriptDto } from './dto/script.dto';
import { Script } from './entities/script.entity';
import { primaryService, swarmServiceName } from './stack-layout';
import { StackStates } from './stack-states';
import { generateWebhookToken, webhookTokensMatch } from './webhook-token';

const signingSecretContext = (serviceName: string) => `script-signing-secret:${serviceName}`;

/** `!` escapes LIKE wildcards on both MySQL and SQLite (a backslash needs different quoting on each). */
const escapeLike = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

@Injectable()
export class ScriptsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScriptsService.name);
  /** The reads every page makes (a detail, a list), without building the query each time. */
  private readonly rows = new EntityRows(this.scripts.manager.connection, Script);

  constructor(
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(dockerConfig.KEY) private readonly docker: ConfigType<typeof dockerConfig>,
    @Inject(tenancyConfig.KEY) private readonly tenancy: ConfigType<typeof tenancyConfig>,
    private readonly compose: ComposeValidator,
    private readonly stackStates: StackStates,
    private readonly ownership: StackOwnership,
    private readonly cipher: SecretCipher,
  ) {}

  async create(user: AuthUser, dto: CreateScriptDto): Promise<ScriptDto> {
    const restricted = this.docker.composePolicy === 'on' && user.role !== 'ADMIN';
    const stack = { serviceName: dto.serviceName, userId: user.id };
    if (restricted) await this.checkNewStackName(user, dto.serviceName);
    const webhook = this.webhookSettings(dto.serviceName, dto, { signingSecretEncrypted: null, requireSignature: 0 });
    const compose = await this.compose.validate(dto.dockerComposeContent, user, { stack: dto.serviceName, userId: user.id });
    if (restricted) {
      const mine = await this.assertNoOverlapWithOthers(user, dto.serviceName);
      await this.ownership.assertNoNamespaceOverlap(dto.serviceName, (name) => mine.has(name));
      await this.ownership.assertNotForeign(stack);
    }
    const script = this.scripts.create({
      userId: user.id,
      serviceName: dto.serviceName,
      composeContent: dto.dockerComposeContent,
      images: compose.images,
      isAutoUpdate: dto.isAutoUpdate ?? 0,
      webhookToken: generateWebhookToken(),
      ...webhook,
      createdBy: user.id,
      updatedBy: user.id,
    });
    // The unique index decides, so two racing creates cannot both win.
    const { id } = await this.scripts.insert(script).catch((err) => {
      throw isUniqueViolation(err) ? new AppError(Errors.SERVICE_NAME_TAKEN) : err;
    }).then((r) => r.identifiers[0] as { id: number });
    return this.get(user, id);
  }

  /** A USER's new stack name: not reserved, and within the stack limit. */
  private async checkNewStackName(user: AuthUser, stack: string): Promise<void> {
    if (this.ownership.isReserved(stack)) {
      throw new AppError(Errors.STACK_NAME_RESERVED, { zh: `栈名 ${stack} 已保留`, en: `the stack name ${stack} is reserved (RESERVED_STACK_NAMES, or the stack this service runs in)` });
    }
    const count = await this.scripts.countBy({ userId: user.id });
    if (count >= this.tenancy.userMaxStacks) {
      throw new AppError(Errors.STACK_LIMIT, { zh: `上限为 ${this.tenancy.userMaxStacks} 个`, en: `the limit is ${this.tenancy.userMaxStacks} (USER_MAX_STACKS)` });
    }
  }

  /**
   * Refuses a name sharing a namespace with another user's script (see assertNoNamespaceOverlap);
   * returns the author's own scripts among the overlapping ones.
   */
  private async assertNoOverlapWithOthers(user: AuthUser, stack: string): Promise<Set<string>> {
    const prefixes = candidateStacks(stack);
    const qb = this.scripts.createQueryBuilder('s').select(['s.serviceName', 's.userId']).where("s.serviceName LIKE :below ESCAPE '!'", {
      below: `${escapeLike(stack)}!_%`,
    });
    if (prefixes.length) qb.orWhere('s.serviceName IN (:...prefixes)', { prefixes });
    const rows = await qb.getMany();
    const other = rows.find((r) => r.userId !== user.id);
    if (other) throw namespaceOverlapError(stack, other.serviceName);
    return new Set(rows.map((r) => r.serviceName));
  }

  async get(user: AuthUser, id: number): Promise<ScriptDto> {
    return this.toDto(await this.findOwned(user, id), user);
  }

  /**
   * One script with its stack's live state. When docker cannot answer, the script still comes back,
   * with `stack: null` and the reason.
   */
  async detail(user: AuthUser, id: number): Promise<ScriptDetailDto> {
    const script = await this.findOwned(user, id);
    return { ...this.toDto(script, user), ...(await this.stackStates.forScript(script)) };
  }

  /** The caller's scripts, newest first; `all` (ADMIN only) lists every user's. */
  async list(user: AuthUser, query: ScriptQueryDto): Promise<Page<ScriptDto>> {
    if (query.all && user.role !== 'ADMIN') throw new AppError(Errors.FORBIDDEN, { zh: 'all=true 仅限管理员', en: 'all=true is for admins' });
    const conditions: [string, unknown][] = [];
    if (!query.all) conditions.push(['s.user_id = ?', user.id]);
    if (query.serviceName) conditions.push(["s.service_name LIKE ? ESCAPE '!'", `%${escapeLike(query.serviceName)}%`]);
    const filter = conditions.length ? `WHERE ${conditions.map(([sql]) => sql).join(' AND ')}` : '';
    const parameters = conditions.map(([, value]) => value);
    const count = `SELECT COUNT(*) AS total FROM scripts s ${filter}`;
    // The count rides along as an uncorrelated subquery (computed once): one statement, one round trip.
    const rows: Record<string, unknown>[] = await this.scripts.query(
      `SELECT ${this.rows.selectList('s')}, (${count}) AS total FROM scripts s ${filter} ORDER BY s.id DESC LIMIT ? OFFSET ?`,
      [...parameters, ...parameters, query.pageSize, (query.pageNumber - 1) * query.pageSize],
    );
    // A page past the end has no row to carry the count.
    const total = rows.length ? rows[0].total : (await this.scripts.query(count, parameters))[0].total;
    return Page.of(rows.map((row) => this.toDto(this.rows.entityOf(row), user)), Number(total), query);
  }

  async update(user: AuthUser, id: number, dto: UpdateScriptDto): Promise<ScriptDto> {
    if (dto.serviceName !== undefined) throw new AppError(Errors.SERVICE_NAME_IMMUTABLE);
    const script = await this.findOwned(user, id);
    const changes: Partial<Script> = { ...this.webhookSettings(script.serviceName, dto, script), updatedBy: user.id };
    if (dto.dockerComposeContent !== undefined) {
      const target = { stack: script.serviceName, scriptId: id, userId: script.userId };
      changes.images = (await this.compose.validate(dto.dockerComposeContent, user, target)).images;
      changes.composeContent = dto.dockerComposeContent;
    }
    if (dto.isAutoUpdate !== undefined) changes.isAutoUpdate = dto.isAutoUpdate;
    await this.updateOwned(user, id, changes);
    return this.get(user, id);
  }

  /**
   * The webhook columns a create or update sets (the DTO checked the tag policy): the signing secret
   * encrypted (bound to the stack name), and a signature required only when a secret exists.
   */
  private webhookSettings(
    serviceName: string,
    dto: CreateScriptDto | UpdateScriptDto,
    current: Pick<Script, 'signingSecretEncrypted' | 'requireSignature'>,
  ): Partial<Script> {
    const changes: Partial<Script> = {};
    if (dto.tagPolicy !== undefined) changes.tagPolicy = dto.tagPolicy;
    if (dto.signingSecret !== undefined) {
      changes.signingSecretEncrypted = dto.signingSecret === null ? null : this.cipher.encrypt(dto.signingSecret, signingSecretContext(serviceName));
    }
    if (dto.requireSignature !== undefined) changes.requireSignature = dto.requireSignature ? 1 : 0;
    const secret = changes.signingSecretEncrypted !== undefined ? changes.signingSecretEncrypted : current.signingSecretEncrypted;
    const required = changes.requireSignature ?? Number(current.requireSignature);
    if (required && !secret) throw new AppError(Errors.SIGNING_SECRET_NEEDED);
    return changes;
  }

  /** After a key rotation (SECRETS_KEY_PREVIOUS), rewrites every signing secret under the current key. */
  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.scripts.find({ select: { id: true, serviceName: true, signingSecretEncrypted: true }, where: { signingSecretEncrypted: Not(IsNull()) } });
    await reencryptStale(
      this.cipher,
      this.logger,
      rows.map((row) => ({
        stored: row.signingSecretEncrypted!,
        context: signingSecretContext(row.serviceName),
        label: `the signing secret of script ${row.id} (${row.serviceName})`,
        save: (fresh) => this.scripts.update({ id: row.id, signingSecretEncrypted: row.signingSecretEncrypted! }, { signingSecretEncrypted: fresh }),
      })),
    );
  }

  /** The script's signing secret in clear, for checking a delivery; null when none is set. */
  signingSecret(script: Script): string | null {
    if (!script.signingSecretEncrypted) return null;
    try {
      return this.cipher.decrypt(script.signingSecretEncrypted, signingSecretContext(script.serviceName));
    } catch (err) {
      const why = `the stack's signing secret cannot be decrypted (${(err as Error).message}); was SECRETS_KEY changed? Set it again`;
      throw new AppError(Errors.WEBHOOK_SIGNATURE_INVALID, { zh: why, en: why });
    }
  }

  /** A new webhook token: the old autoUpdateUrl stops working at once. */
  async rotateToken(user: AuthUser, id: number): Promise<ScriptDto> {
    await this.updateOwned(user, id, { webhookToken: generateWebhookToken(), updatedBy: user.id });
    return this.get(user, id);
  }

  /**
   * Whether deleting `script` must first take its stack off the swarm: when its own stack is deployed,
   * or `busy` (a deployment of it is queued or running and might deploy it). Then, without
   * `removeService`, the deletion is refused (409). A stack of that name that is not the script's is
   * never removed: with `removeService` that is refused (409), without it only the script goes. When
   * docker cannot say, 503. Removing the stack is the caller's job (through the deployment queue), as
   * is calling `delete` afterwards.
   */
  async mustRemoveStack(script: Script, removeService: boolean, busy = false): Promise<boolean> {
    const stack = script.serviceName;
    const verdict = await this.ownership.read(script);
    if (verdict.kind === 'foreign') {
      if (removeService) throw foreignStackError(verdict.reason);
      return false;
    }
    const deployed = verdict.kind === 'owned';
    if (!deployed && !busy) return false;
    if (!removeService) {
      throw new AppError(
        Errors.STACK_DEPLOYED,
        deployed
          ? { zh: `栈 ${stack} 正在运行`, en: `stack ${stack} is running` }
          : { zh: `栈 ${stack} 有排队中或进行中的部署`, en: `stack ${stack} has a deployment queued or running` },
      );
    }
    return true;
  }

  /** Deletes the script row and its DATA_DIR/stacks/<serviceName>/; the stack on the swarm is not touched. */
  async delete(user: AuthUser, script: Script): Promise<void> {
    await this.scripts.delete({ id: script.id, userId: user.id });
    await rm(stackDirectory(this.app.dataDir, script.serviceName), { recursive: true, force: true });
  }

  /** The script a webhook URL names, whatever its token; undefined for an unknown user or name. */
  async findByWebhookName(userId: number, serviceName: string): Promise<Script | undefined> {
    if (!Number.isSafeInteger(userId) || !isStackName(serviceName)) return undefined;
    return (await this.scripts.findOneBy({ userId, serviceName })) ?? undefined;
  }

  /** Whether a presented webhook token is the script's, compared in constant time. */
  tokenMatches(script: Script, token: unknown): boolean {
    return webhookTokensMatch(script.webhookToken, token);
  }

  /** The script a queued deployment names, whoever runs it; null once deleted. */
  async findById(id: number): Promise<Script | null> {
    return this.scripts.findOneBy({ id });
  }

  /** Another user's script is "not found", never "forbidden": its existence is not confirmed. */
  async findOwned(user: AuthUser, id: number): Promise<Script> {
    const [script] = await this.rows.query(`SELECT ${this.rows.selectList('s')} FROM scripts s WHERE s.id = ? AND s.user_id = ?`, [id, user.id]);
    if (!script) throw new AppError(Errors.SCRIPT_NOT_FOUND);
    return script;
  }

  /** One conditional UPDATE; no row changed means it is gone or not the caller's. */
  private async updateOwned(user: AuthUser, id: number, changes: Partial<Script>): Promise<void> {
    const result = await this.scripts.update({ id, userId: user.id }, changes);
    if (!result.affected) throw new AppError(Errors.SCRIPT_NOT_FOUND);
  }

  /** The contract's SCRIPT; the webhook URL (a secret) only for its owner. */
  toDto(script: Script, viewer: AuthUser): ScriptDto {
    const { serviceName } = script;
    const services = script.images.map((i) => i.service);
    const scripts = buildStackScripts({
      stackDir: stackDirectory(this.app.dataDir, serviceName),
      composeFile: composeFilePath(this.app.dataDir, serviceName),
      serviceName,
      content: script.composeContent,
      // Every service of a saved compose file has an image; an interpolated one is not in `images`.
      updateTarget: swarmServiceName(serviceName, primaryService(serviceName, services) ?? serviceName),
    });
    const url = `${this.app.publicBaseUrl}/api/autoUpdate/${script.userId}/${serviceName}?token=${script.webhookToken}`;
    return {
      serviceName,
      dockerComposeContent: script.composeContent,
      ...scripts,
      id: script.id,
      isAutoUpdate: Number(script.isAutoUpdate),
      autoUpdateUrl: script.userId === viewer.id ? url : null,
      tagPolicy: script.tagPolicy,
      requireSignature: Boolean(Number(script.requireSignature)),
      hasSigningSecret: script.signingSecretEncrypted !== null,
      userId: script.userId,
      images: script.images,
      createdAt: new Date(script.createdAt).toISOString(),
      updatedAt: new Date(script.updatedAt).toISOString(),
    };
  }
}
