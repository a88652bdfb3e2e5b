import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { registriesConfig } from '../config/registries.config';
import { EncryptionModule } from '../encryption/encryption.module';
import { SwarmModule } from '../swarm/swarm.module';
import { User } from '../users/entities/user.entity';
import { RegistryCredential } from './entities/registry-credential.entity';
import { RegistriesController } from './registries.controller';
import { RegistryAccess } from './registry-access.service';
import { RegistryClient } from './registry-client';
import { RegistryCredentialsService } from './registry-credentials.service';

/** Private registries: credentials per user (or shared), and digest lookups with them. */
@Module({
  imports: [TypeOrmModule.forFeature([RegistryCredential, User]), EncryptionModule, SwarmModule],
  controllers: [RegistriesController],
  providers: [
    RegistryCredentialsService,
    RegistryAccess,
    {
      provide: RegistryClient,
      inject: [registriesConfig.KEY],
      useFactory: (config: ConfigType<typeof registriesConfig>) => new RegistryClient({ timeoutMs: config.timeoutMs, insecureHosts: config.insecureHosts }),
    },
  ],
  exports: [RegistryAccess],
})
export class RegistriesModule {}
