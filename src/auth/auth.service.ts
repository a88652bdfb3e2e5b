import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { User } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokenService } from './access-token.service';
import { LoginResultDto } from './dto/auth.dto';
import { PasswordHasher } from '../credentials/password-hasher';
import { SessionsService } from '../credentials/sessions.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: AccessTokenService,
  ) {}

  /** Unknown user and wrong password get the same error after the same work. */
  async login(username: string, password: string): Promise<LoginResultDto> {
    const user = await this.users.findByUsername(username);
    if (!user) {
      await this.hasher.burn(password);
      throw new AppError(Errors.BAD_CREDENTIALS);
    }
    if (!(await this.hasher.verify(password, user.passwordHash))) throw new AppError(Errors.BAD_CREDENTIALS);
    if (Number(user.isDisable)) throw new AppError(Errors.USER_DISABLED);
    const { sessionId, refreshToken } = await this.sessions.create(user.id);
    return this.result(user, sessionId, refreshToken);
  }

  async refresh(refreshToken: string): Promise<LoginResultDto> {
    const rotated = await this.sessions.rotate(refreshToken);
    const user = await this.users.get(rotated.userId);
    if (Number(user.isDisable)) {
      await this.sessions.revoke(rotated.sessionId, 'disabled');
      throw new AppError(Errors.USER_DISABLED);
    }
    return this.result(user, rotated.sessionId, rotated.refreshToken);
  }

  logout(sessionId: number): Promise<void> {
    return this.sessions.revoke(sessionId, 'logout');
  }

  private result(user: User, sessionId: number, refreshToken: string): LoginResultDto {
    const { id, role, username, name, phone } = user;
    return { id, role, username, name, phone, authorization: this.tokens.sign(user.id, sessionId, user.role), refreshToken };
  }
}
