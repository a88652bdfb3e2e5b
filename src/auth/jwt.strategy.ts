import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-jwt';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { ACCESS_TOKEN_ALGORITHM, AccessTokenClaims, AccessTokenService } from './access-token.service';
import { SessionsService } from '../credentials/sessions.service';

/** The contract sends the token in the `authorization` header, raw or as `Bearer <token>`. */
export function extractAccessToken(req: FastifyRequest): string | null {
  const header = req.headers?.authorization;
  if (typeof header !== 'string') return null;
  const token = header.replace(/^Bearer\s+/i, '').trim();
  return token || null;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: AccessTokenService,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: extractAccessToken as never,
      secretOrKey: tokens.key as never,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  /** A signed, unexpired token is not enough: its session must be live and its user enabled. */
  async validate(claims: AccessTokenClaims): Promise<AuthUser> {
    if (claims?.typ !== 'access' || !Number.isSafeInteger(claims.sid)) throw new AppError(Errors.UNAUTHENTICATED);
    const live = await this.sessions.findLive(claims.sid);
    if (!live || String(live.userId) !== claims.sub) throw new AppError(Errors.UNAUTHENTICATED);
    if (live.isDisable) throw new AppError(Errors.USER_DISABLED);
    return { id: live.userId, username: live.username, role: live.role, sessionId: claims.sid };
  }
}
