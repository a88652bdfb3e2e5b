import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig } from '../config/database.config';
import { dockerConfig } from '../config/docker.config';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './run-migrations';
import { isolateSqliteTransactions } from './sqlite-transactions';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY, dockerConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>, docker: ConfigType<typeof dockerConfig>) => ({
        ...dataSourceOptions(db, docker.maxParallelDeployments),
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
      // Pending migrations are applied at start-up (under a lock, for replicas starting together);
      // the schema is never synchronised from entities.
      dataSourceFactory: async (options) => {
        const dataSource = await isolateSqliteTransactions(new DataSource(options!)).initialize();
        try {
          await runMigrations(dataSource);
        } catch (err) {
          await dataSource.destroy();
          throw err;
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
