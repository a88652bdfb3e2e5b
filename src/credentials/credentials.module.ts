import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Session } from './entities/session.entity';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { SessionsService } from './sessions.service';

/**
 * Passwords (policy and hashing) and login sessions: what both AuthModule (log in, refresh, check
 * tokens) and UsersModule (register, disable, change role) need, so neither imports the other back.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Session])],
  providers: [PasswordHasher, PasswordPolicy, SessionsService],
  exports: [PasswordHasher, PasswordPolicy, SessionsService],
})
export class CredentialsModule {}
