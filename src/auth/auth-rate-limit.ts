import { ExecutionContext } from '@nestjs/common';
import { ThrottlerModuleOptions } from '@nestjs/throttler';
import { AuthConfig } from '../config/auth.config';

/**
 * Two limits on login, registration and refresh: per client address, and per username (so a
 * botnet spreading guesses over many addresses still hits the account's limit). Counted in the
 * database (DatabaseThrottlerStorage), so the limits hold across instances sharing it.
 */
export function authThrottlerOptions(config: AuthConfig): ThrottlerModuleOptions {
  const ttl = config.rateLimitWindowSeconds * 1000;
  return {
    throttlers: [
      { name: 'address', ttl, limit: config.rateLimitPerAddress },
      {
        name: 'username',
        ttl,
        limit: config.rateLimitPerUsername,
        getTracker: (req: Record<string, unknown>) => {
          const username = (req.body as { username?: unknown } | undefined)?.username;
          return typeof username === 'string' ? `user:${username.toLowerCase()}` : '';
        },
        skipIf: (ctx: ExecutionContext) => typeof ctx.switchToHttp().getRequest().body?.username !== 'string',
      },
    ],
  };
}
