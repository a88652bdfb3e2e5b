import { forwardRef, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { authConfig } from '../config/auth.config';
import { UsersModule } from '../users/users.module';
import { AccessTokenService } from './access-token.service';
import { authThrottlerOptions } from './auth-rate-limit';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { Session } from './entities/session.entity';
import { JwtAuthGuard, RolesGuard } from './guards';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { SessionsService } from './sessions.service';

@Module({
  imports: [
    PassportModule,
    TypeOrmModule.forFeature([Session]),
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => authThrottlerOptions(config),
    }),
    forwardRef(() => UsersModule),
  ],
  controllers: [AuthController],
  providers: [
    AccessTokenService,
    AuthService,
    JwtStrategy,
    PasswordHasher,
    PasswordPolicy,
    SessionsService,
    // Order matters: authenticate first, then check roles.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [PasswordHasher, PasswordPolicy, SessionsService, AccessTokenService],
})
export class AuthModule {}
