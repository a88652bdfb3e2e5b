import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { SessionsService } from '../credentials/sessions.service';
import { AppError } from '../common/app-error';
import { Page, PageQueryDto } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { authConfig } from '../config/auth.config';
import { isUniqueViolation } from '../database/db-errors';
import { RegisterDto, UserDto } from './dto/user.dto';
import { Role, User } from './entities/user.entity';

const FIRST_ADMIN_FLAG = 'first_admin';

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * The first user ever becomes an enabled ADMIN: decided by inserting the `first_admin` flag row
   * in the same transaction as the user, so two racing first registrations cannot both win.
   */
  async register(dto: RegisterDto): Promise<UserDto> {
    this.policy.check(dto.password, dto.username);
    const bootstrapped = await this.dataSource.query('SELECT name FROM app_flags WHERE name = ?', [FIRST_ADMIN_FLAG]);
    if (bootstrapped.length && this.config.registration === 'closed') throw new AppError(Errors.REGISTRATION_CLOSED);
    const passwordHash = await this.hasher.hash(dto.password);
    const fields = { username: dto.username, passwordHash, name: dto.name, phone: dto.phone };
    try {
      if (!bootstrapped.length) {
        const admin = await this.dataSource
          .transaction((tx) => this.insertFirstAdmin(tx, fields))
          .catch((err) => (isUniqueViolation(err) ? this.usernameTaken(dto.username, err) : Promise.reject(err)));
        if (admin) return UserDto.from(admin);
        if (this.config.registration === 'closed') throw new AppError(Errors.REGISTRATION_CLOSED);
      }
      const open = this.config.registration === 'open';
      return UserDto.from(await this.users.save(this.users.create({ ...fields, role: 'USER', isDisable: open ? 0 : 1 })));
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError(Errors.USERNAME_TAKEN);
      throw err;
    }
  }

  /** Resolves undefined when the first admin already exists (the flag insert collided). */
  private async insertFirstAdmin(tx: EntityManager, fields: Partial<User>): Promise<User> {
    await tx.query('INSERT INTO app_flags (name) VALUES (?)', [FIRST_ADMIN_FLAG]);
    return tx.save(User, tx.create(User, { ...fields, role: 'ADMIN', isDisable: 0 }));
  }

  /** A unique violation in the bootstrap transaction is either the username or the flag. */
  private async usernameTaken(username: string, err: unknown): Promise<undefined> {
    if (await this.users.existsBy({ username })) throw err;
    return undefined;
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username });
  }

  async get(id: number): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new AppError(Errors.USER_NOT_FOUND);
    return user;
  }

  async list(query: PageQueryDto): Promise<Page<UserDto>> {
    const [rows, total] = await this.users.findAndCount({
      order: { id: 'DESC' },
      skip: (query.pageNumber - 1) * query.pageSize,
      take: query.pageSize,
    });
    return Page.of(rows.map(UserDto.from), total, query);
  }

  /** Disabling ends the user's sessions at once; the last enabled admin cannot be disabled. */
  async setDisabled(id: number, isDisable: number): Promise<UserDto> {
    const user = await this.changeGuardingLastAdmin(id, (u) => (u.isDisable = isDisable), isDisable === 1);
    if (isDisable) await this.sessions.revokeAllForUser(id, 'disabled');
    return UserDto.from(user);
  }

  async setRole(id: number, role: Role): Promise<UserDto> {
    return UserDto.from(await this.changeGuardingLastAdmin(id, (u) => (u.role = role), role !== 'ADMIN'));
  }

  /**
   * Applies a change in a transaction that first locks every enabled admin row (MySQL), so two
   * admins demoting each other at once cannot leave the service without one.
   */
  private changeGuardingLastAdmin(id: number, change: (u: User) => void, removesAdmin: boolean): Promise<User> {
    return this.dataSource.transaction(async (tx) => {
      const admins = tx
        .createQueryBuilder(User, 'u')
        .select('u.id')
        .where('u.role = :role AND u.is_disable = 0', { role: 'ADMIN' });
      if (this.dataSource.options.type === 'mysql') admins.setLock('pessimistic_write');
      const enabledAdmins = await admins.getMany();
      const user = await tx.findOneBy(User, { id });
      if (!user) throw new AppError(Errors.USER_NOT_FOUND);
      const isEnabledAdmin = user.role === 'ADMIN' && !Number(user.isDisable);
      if (removesAdmin && isEnabledAdmin && enabledAdmins.length <= 1) throw new AppError(Errors.LAST_ADMIN);
      change(user);
      return tx.save(User, user);
    });
  }
}
