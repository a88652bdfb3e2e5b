import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { authConfig } from '../config/auth.config';
import { timeParameter } from '../database/entity-rows';
import type { Role } from '../users/entities/user.entity';
import { Session } from './entities/session.entity';

const FIND_LIVE =
  'SELECT u.id AS userId, u.username AS username, u.role AS role, u.is_disable AS isDisable FROM sessions s ' +
  'INNER JOIN users u ON u.id = s.user_id WHERE s.id = ? AND s.revoked_at IS NULL AND s.expires_at > ?';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

/** `<sessionId>.<familyKey>.<secret>`: the family key is fixed per login, the secret rotates. */
function parseRefreshToken(token: string): { sessionId: number; family: string; secret: string } | undefined {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { sessionId: Number(match[1]), family: match[2], secret: match[3] } : undefined;
}

export interface LiveSession {
  userId: number;
  username: string;
  role: Role;
  isDisable: number;
}

/**
 * Login sessions and their rotating refresh tokens, stored only as hashes. Rotation is one
 * conditional UPDATE: if no row changed, the token was not the current one. Presenting an older
 * token of the same family (the family key proves it was really issued) revokes the whole session.
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  private expiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
  }

  async create(userId: number): Promise<{ sessionId: number; refreshToken: string }> {
    const family = secret();
    const current = secret();
    const saved = await this.sessions.save(
      this.sessions.create({ userId, familyHash: sha256(family), tokenHash: sha256(current), expiresAt: this.expiry() }),
    );
    return { sessionId: saved.id, refreshToken: `${saved.id}.${family}.${current}` };
  }

  /** Swaps a refresh token for a new one; returns the session's user id. */
  async rotate(refreshToken: string): Promise<{ sessionId: number; userId: number; refreshToken: string }> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) throw new AppError(Errors.REFRESH_TOKEN_INVALID);
    const next = secret();
    const now = new Date();
    const result = await this.sessions
      .createQueryBuilder()
      .update(Session)
      .set({ tokenHash: sha256(next), rotatedAt: now, expiresAt: this.expiry() })
      .where('id = :id AND family_hash = :family AND token_hash = :current', {
        id: parsed.sessionId,
        family: sha256(parsed.family),
        current: sha256(parsed.secret),
      })
      .andWhere('revoked_at IS NULL AND expires_at > :now', { now })
      .execute();
    const session = await this.sessions.findOneBy({ id: parsed.sessionId });
    if (result.affected === 1 && session) {
      return { sessionId: session.id, userId: session.userId, refreshToken: `${session.id}.${parsed.family}.${next}` };
    }
    if (session && session.familyHash === sha256(parsed.family) && !session.revokedAt) {
      if (session.expiresAt > now) {
        await this.revoke(session.id, 'reuse');
        throw new AppError(Errors.REFRESH_TOKEN_REUSED);
      }
    }
    throw new AppError(Errors.REFRESH_TOKEN_INVALID);
  }

  async revoke(sessionId: number, reason: string): Promise<void> {
    await this.sessions.update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  async revokeAllForUser(userId: number, reason: string): Promise<void> {
    await this.sessions.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  /**
   * The session behind an access token, if it is neither revoked nor expired, with its user's state:
   * every authenticated request asks, so it is one primary-key query with its SQL written once.
   */
  async findLive(sessionId: number): Promise<LiveSession | undefined> {
    const dataSource = this.sessions.manager.connection;
    const [row] = (await dataSource.query(FIND_LIVE, [sessionId, timeParameter(dataSource, new Date())])) as {
      userId: number | string;
      username: string;
      role: Role;
      isDisable: number | string;
    }[];
    return row && { userId: Number(row.userId), username: row.username, role: row.role, isDisable: Number(row.isDisable) };
  }
}
