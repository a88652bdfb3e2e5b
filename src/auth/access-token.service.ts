import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createSecretKey, KeyObject } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { authConfig } from '../config/auth.config';
import type { Role } from '../users/entities/user.entity';

export const ACCESS_TOKEN_ALGORITHM = 'HS256';

export interface AccessTokenClaims {
  sub: string;
  sid: number;
  role: Role;
  typ: 'access';
}

/**
 * Signs and verifies the 2-hour access tokens. The secret is a KeyObject: jsonwebtoken otherwise
 * tries to parse a string secret as a public key on every call (~340 us each, see toolchain notes).
 */
@Injectable()
export class AccessTokenService {
  readonly key: KeyObject;

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  sign(userId: number, sessionId: number, role: Role): string {
    const claims: AccessTokenClaims = { sub: String(userId), sid: sessionId, role, typ: 'access' };
    return jwt.sign(claims, this.key, { algorithm: ACCESS_TOKEN_ALGORITHM, expiresIn: this.config.accessTokenTtlSeconds });
  }
}
