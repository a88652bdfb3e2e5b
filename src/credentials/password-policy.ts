import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { authConfig } from '../config/auth.config';
import { COMMON_PASSWORDS } from './common-passwords';

export const PASSWORD_MAX_LENGTH = 128;

/** NIST 800-63B style: a minimum length and a blocklist, no composition rules. */
@Injectable()
export class PasswordPolicy {
  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  /** Throws PASSWORD_TOO_WEAK saying which rule failed. */
  check(password: string, username: string): void {
    const min = this.config.passwordMinLength;
    const weak = (zh: string, en: string) => new AppError(Errors.PASSWORD_TOO_WEAK, { zh, en });
    if ([...password].length < min) throw weak(`密码至少需要 ${min} 个字符`, `password must be at least ${min} characters`);
    if (password.length > PASSWORD_MAX_LENGTH) {
      throw weak(`密码不能超过 ${PASSWORD_MAX_LENGTH} 个字符`, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);
    }
    const lower = password.toLowerCase();
    if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) {
      throw weak('该密码过于常见，容易被猜中', 'password is one of the most common passwords');
    }
    if (lower === username.toLowerCase()) throw weak('密码不能与用户名相同', 'password must not equal the username');
  }
}
