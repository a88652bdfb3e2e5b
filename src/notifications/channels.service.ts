import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Page } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { appConfig } from '../config/app.config';
import { notificationsConfig } from '../config/notifications.config';
import { isUniqueViolation } from '../database/db-errors';
import { reencryptStale, SecretCipher } from '../encryption/secret-cipher';
import { Script } from '../scripts/entities/script.entity';
import { User } from '../users/entities/user.entity';
import { isPrivateAddress } from './channels/target-address';
import { NotificationSender } from './channels/notification-sender';
import { ChannelDto, ChannelTestResultDto, CreateChannelDto, UpdateChannelDto } from './dto/channel.dto';
import { DeliveryDto, DeliveryQueryDto } from './dto/delivery.dto';
import { ChannelScript } from './entities/channel-script.entity';
import { NotificationChannel } from './entities/notification-channel.entity';
import { NotificationDelivery } from './entities/notification-delivery.entity';
import { ChannelTarget, ChannelType, DEFAULT_EVENTS, DeploymentNotice } from './notice';

const SIGNED_TYPES: ChannelType[] = ['dingtalk', 'feishu', 'webhook'];

function invalid(field: string, message: string): AppError {
  return new AppError(Errors.VALIDATION_FAILED, { zh: `${field}: ${message}`, en: `${field}: ${message}` }, { errors: [{ field, message }] });
}

/** Where a channel delivers, with every part that may be a secret (path, query, password) left out. */
export function targetSummary(target: ChannelTarget): string {
  if (target.type === 'email' && target.email) {
    const { host, port, security, to } = target.email;
    return `smtp://${host}:${port} (${security}) → ${to.join(', ')}`.slice(0, 255);
  }
  const url = new URL(target.url!);
  return url.pathname === '/' && !url.search ? url.origin : `${url.origin}/…`;
}

/** Binds a channel's stored target to its owner: copied into another user's row, it does not decrypt. */
const cipherContext = (userId: number) => `notification-channel:user:${userId}`;

/** A user's notification channels: saved, checked, encrypted, attached to scripts, tried out. */
@Injectable()
export class ChannelsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ChannelsService.name);

  constructor(
    @InjectRepository(NotificationChannel) private readonly repo: Repository<NotificationChannel>,
    @InjectRepository(ChannelScript) private readonly attachments: Repository<ChannelScript>,
    @InjectRepository(NotificationDelivery) private readonly deliveriesRepo: Repository<NotificationDelivery>,
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly dataSource: DataSource,
    private readonly cipher: SecretCipher,
    private readonly sender: NotificationSender,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
    @Inject(notificationsConfig.KEY) private readonly config: ConfigType<typeof notificationsConfig>,
  ) {}

  async list(user: AuthUser): Promise<ChannelDto[]> {
    const rows = await this.repo.find({ where: { userId: user.id }, order: { name: 'ASC' } });
    return this.present(rows);
  }

  async get(user: AuthUser, id: number): Promise<ChannelDto> {
    return (await this.present([await this.owned(user, id)]))[0];
  }

  async create(user: AuthUser, dto: CreateChannelDto): Promise<ChannelDto> {
    const target = this.checkTarget(user, { type: dto.type, url: dto.url, secret: dto.secret || undefined, email: dto.email });
    await this.checkScripts(user, dto.scriptIds);
    if (await this.repo.existsBy({ userId: user.id, name: dto.name })) throw new AppError(Errors.NOTIFICATION_CHANNEL_EXISTS);
    const id = await this.write(async (tx) => {
      const { identifiers } = await tx.getRepository(NotificationChannel).insert({
        userId: user.id,
        name: dto.name,
        type: dto.type,
        language: dto.language ?? 'zh',
        events: dto.events ?? DEFAULT_EVENTS,
        isDefault: dto.isDefault ? 1 : 0,
        targetEncrypted: this.cipher.encrypt(JSON.stringify(target), cipherContext(user.id)),
        targetSummary: targetSummary(target),
      });
      const channelId = Number(identifiers[0].id);
      await this.attach(tx.getRepository(ChannelScript), channelId, dto.scriptIds ?? []);
      return channelId;
    });
    return this.get(user, id);
  }

  /** Changes what is given; secrets left out are kept (an empty `secret` removes it). */
  async update(user: AuthUser, id: number, dto: UpdateChannelDto): Promise<ChannelDto> {
    const row = await this.owned(user, id);
    const old = this.target(row);
    const email = dto.email && old.email && dto.email.password === undefined && dto.email.username === old.email.username ? { ...dto.email, password: old.email.password } : dto.email;
    const secret = dto.secret === undefined ? old.secret : dto.secret || undefined;
    const target = this.checkTarget(user, { type: row.type, url: dto.url ?? old.url, secret, email: email ?? old.email });
    await this.checkScripts(user, dto.scriptIds);
    if (dto.name !== undefined && dto.name !== row.name && (await this.repo.existsBy({ userId: user.id, name: dto.name }))) {
      throw new AppError(Errors.NOTIFICATION_CHANNEL_EXISTS);
    }
    await this.write(async (tx) => {
      await tx.getRepository(NotificationChannel).update(
        { id: row.id },
        {
          ...(dto.name !== undefined && { name: dto.name }),
          ...(dto.language !== undefined && { language: dto.language }),
          ...(dto.events !== undefined && { events: dto.events }),
          ...(dto.isDefault !== undefined && { isDefault: dto.isDefault ? 1 : 0 }),
          targetEncrypted: this.cipher.encrypt(JSON.stringify(target), cipherContext(user.id)),
          targetSummary: targetSummary(target),
          updatedAt: new Date(),
        },
      );
      if (dto.scriptIds) {
        await tx.getRepository(ChannelScript).delete({ channelId: row.id });
        await this.attach(tx.getRepository(ChannelScript), row.id, dto.scriptIds);
      }
    });
    return this.get(user, id);
  }

  /** Its undelivered messages go with it. */
  async delete(user: AuthUser, id: number): Promise<void> {
    const row = await this.owned(user, id);
    await this.repo.delete({ id: row.id });
  }

  /** Sends a sample message now and answers with what the receiver said. */
  async test(user: AuthUser, id: number): Promise<ChannelTestResultDto> {
    const row = await this.owned(user, id);
    const result = await this.sender.send(this.target(row), this.sampleNotice(user), {
      language: row.language,
      deliveryId: `test-${row.id}-${Date.now()}`,
      timeoutMs: this.config.timeoutMs,
      allowPrivate: await this.mayReachPrivate(user.id),
    });
    if (!result.ok) {
      throw new AppError(Errors.NOTIFICATION_TEST_FAILED, { zh: `接收方回复：${result.response}`, en: `the receiver answered: ${result.response}` }, { response: result.response });
    }
    return { response: result.response };
  }

  /** The channel's messages, newest first. */
  async deliveries(user: AuthUser, id: number, query: DeliveryQueryDto): Promise<Page<DeliveryDto>> {
    const row = await this.owned(user, id);
    const [rows, total] = await this.deliveriesRepo.findAndCount({
      where: { channelId: row.id, ...(query.status && { status: query.status }) },
      order: { id: 'DESC' },
      skip: (query.pageNumber - 1) * query.pageSize,
      take: query.pageSize,
    });
    return Page.of(rows.map(DeliveryDto.from), total, query);
  }

  findById(id: number): Promise<NotificationChannel | null> {
    return this.repo.findOneBy({ id });
  }

  /** The decrypted target; throws when it cannot be decrypted (SECRETS_KEY changed). */
  target(row: NotificationChannel): ChannelTarget {
    try {
      return JSON.parse(this.cipher.decrypt(row.targetEncrypted, cipherContext(row.userId))) as ChannelTarget;
    } catch (err) {
      throw new Error(`the saved settings of channel ${row.name} cannot be decrypted (${(err as Error).message}); was SECRETS_KEY changed? Save the channel again`);
    }
  }

  /** NOTIFICATION_PRIVATE_TARGETS: whether this user's channels may deliver to private addresses. */
  async mayReachPrivate(userId: number): Promise<boolean> {
    if (this.config.privateTargets !== 'admin') return this.privateAllowedFor('USER');
    const user = await this.users.findOne({ select: { id: true, role: true, isDisable: true }, where: { id: userId } });
    return !!user && !user.isDisable && this.privateAllowedFor(user.role);
  }

  private privateAllowedFor(role: AuthUser['role']): boolean {
    const policy = this.config.privateTargets;
    return policy === 'all' || (policy === 'admin' && role === 'ADMIN');
  }

  /** After a key rotation (SECRETS_KEY_PREVIOUS), rewrites every channel under the current key. */
  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.repo.find({ select: { id: true, userId: true, targetEncrypted: true } });
    await reencryptStale(
      this.cipher,
      this.logger,
      rows.map((row) => ({
        stored: row.targetEncrypted,
        context: cipherContext(row.userId),
        label: `notification channel ${row.id}`,
        save: (fresh) => this.repo.update({ id: row.id, targetEncrypted: row.targetEncrypted }, { targetEncrypted: fresh }),
      })),
    );
  }

  /** The fields each type needs, the vendor's URL form, and the private-address rule for literal hosts. */
  private checkTarget(user: AuthUser, t: ChannelTarget): ChannelTarget {
    if (t.type === 'email') {
      if (!t.email) throw invalid('email', 'an email channel needs email settings (host, port, security, from, to)');
      if (t.url !== undefined) throw invalid('url', 'an email channel has no url');
      if (t.secret !== undefined) throw invalid('secret', 'an email channel has no signing secret');
    } else {
      if (!t.url) throw invalid('url', `a ${t.type} channel needs its url`);
      if (t.email !== undefined) throw invalid('email', `a ${t.type} channel has no email settings`);
      if (t.secret !== undefined && !SIGNED_TYPES.includes(t.type)) throw invalid('secret', `${t.type} messages are not signed; leave secret out`);
    }
    const target: ChannelTarget = t.type === 'email' ? { type: 'email', email: t.email } : { type: t.type, url: t.url, ...(t.secret && { secret: t.secret }) };
    const problem = this.sender.checkTarget(target);
    if (problem) throw invalid(t.type === 'email' ? 'email' : 'url', problem);
    const host = t.type === 'email' ? t.email!.host : new URL(t.url!).hostname.replace(/^\[|\]$/g, '');
    const literalPrivate = host.toLowerCase() === 'localhost' || (isIP(host) !== 0 && isPrivateAddress(host));
    if (literalPrivate && !this.privateAllowedFor(user.role)) {
      throw invalid(t.type === 'email' ? 'email.host' : 'url', `${host} is a private address; channels may not deliver there (NOTIFICATION_PRIVATE_TARGETS=${this.config.privateTargets})`);
    }
    return target;
  }

  private async checkScripts(user: AuthUser, ids: number[] | undefined): Promise<void> {
    if (!ids?.length) return;
    const mine = await this.scripts.find({ select: { id: true }, where: { id: In(ids), userId: user.id } });
    const missing = ids.find((id) => !mine.some((s) => s.id === id));
    if (missing !== undefined) throw invalid('scriptIds', `you have no script ${missing}`);
  }

  private async attach(repo: Repository<ChannelScript>, channelId: number, scriptIds: number[]): Promise<void> {
    if (scriptIds.length) await repo.insert(scriptIds.map((scriptId) => ({ channelId, scriptId })));
  }

  private async write<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(fn);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError(Errors.NOTIFICATION_CHANNEL_EXISTS);
      throw err;
    }
  }

  /** Another user's channel is "not found". */
  private async owned(user: AuthUser, id: number): Promise<NotificationChannel> {
    const row = await this.repo.findOneBy({ id, userId: user.id });
    if (!row) throw new AppError(Errors.NOTIFICATION_CHANNEL_NOT_FOUND);
    return row;
  }

  private async present(rows: NotificationChannel[]): Promise<ChannelDto[]> {
    const ids = rows.map((r) => r.id);
    const attached = ids.length ? await this.attachments.find({ where: { channelId: In(ids) }, order: { scriptId: 'ASC' } }) : [];
    return rows.map((r) => {
      let email: ChannelDto['email'] = null;
      let hasSecret = false;
      try {
        const target = this.target(r);
        hasSecret = !!target.secret;
        if (target.email) {
          const { host, port, security, username, password, from, to } = target.email;
          email = { host, port, security, username: username ?? null, hasPassword: !!password, from, to };
        }
      } catch {
        // Listed anyway; sending it reports the decryption problem.
      }
      return {
        id: r.id,
        name: r.name,
        type: r.type,
        language: r.language,
        events: r.events,
        isDefault: r.isDefault === 1,
        scriptIds: attached.filter((a) => a.channelId === r.id).map((a) => a.scriptId),
        target: r.targetSummary,
        hasSecret,
        email,
        createdAt: new Date(r.createdAt).toISOString(),
        updatedAt: new Date(r.updatedAt).toISOString(),
      };
    });
  }

  private sampleNotice(user: AuthUser): DeploymentNotice {
    const finished = new Date();
    return {
      event: 'succeeded',
      deploymentId: 0,
      stack: 'demo',
      action: 'update',
      services: ['demo_web'],
      previousImage: 'registry.example.com/team/web:1.0.0',
      image: 'registry.example.com/team/web:1.0.1',
      digest: null,
      trigger: { kind: 'manual', username: user.username },
      startedAt: new Date(finished.getTime() - 42_000).toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: 42_000,
      url: `${this.app.publicBaseUrl}/deployments/0`,
      error: null,
      errorCode: null,
      outputTail: [],
      repeats: 0,
      recovered: false,
      test: true,
    };
  }
}
