import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { authConfig } from '../config/auth.config';
import { CredentialsModule } from '../credentials/credentials.module';
import { DatabaseThrottlerStorage } from '../rate-limit/database-throttler-storage';
import { UsersModule } from '../users/users.module';
import { AccessTokenService } from './access-token.service';
import { authThrottlerOptions } from './auth-rate-limit';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard, RolesGuard } from './guards';
import { JwtStrategy } from './jwt.strategy';

@Module({
  imports: [
    PassportModule,
    ThrottlerModule.forRootAsync({
      inject: [authConfig.KEY, DataSource],
      useFactory: (config: ConfigType<typeof authConfig>, dataSource: DataSource) => ({
        ...authThrottlerOptions(config),
        storage: new DatabaseThrottlerStorage(dataSource),
      }),
    }),
    CredentialsModule,
    UsersModule,
  ],
  controllers: [AuthController],
  providers: [
    AccessTokenService,
    AuthService,
    JwtStrategy,
    // Order matters: authenticate first, then check roles.
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
