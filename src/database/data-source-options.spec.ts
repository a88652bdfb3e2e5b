import { DataSource } from 'typeorm';
import { loadDockerConfig } from '../config/docker.config';
import { DatabaseConfig } from '../config/database.config';
import { dataSourceOptions, mysqlPoolSize, POOL_HEADROOM } from './data-source-options';

const MYSQL: DatabaseConfig = { type: 'mysql', host: '127.0.0.1', port: 3306, username: 'app', password: 'app', database: 'dds', lockLeaseSeconds: 30 };

describe('MySQL pool size', () => {
  it('is MAX_PARALLEL_DEPLOYMENTS (one held connection per running deployment) plus headroom for everything else', () => {
    expect(POOL_HEADROOM).toBe(10);
    expect(mysqlPoolSize(0)).toBe(10);
    expect(mysqlPoolSize(1)).toBe(11);
    expect(mysqlPoolSize(4)).toBe(14);
    expect(mysqlPoolSize(64)).toBe(74);
  });

  it.each([['1', 11], [undefined, 14], ['10', 20], ['64', 74]])(
    'MAX_PARALLEL_DEPLOYMENTS=%s gives a pool of %i: always 10 connections left while every slot holds a stack lock',
    (value, size) => {
      const maxParallel = loadDockerConfig(value === undefined ? {} : { MAX_PARALLEL_DEPLOYMENTS: value }).maxParallelDeployments;
      const options = dataSourceOptions(MYSQL, maxParallel);
      expect(options).toMatchObject({ type: 'mysql', poolSize: size });
      expect((options as { poolSize: number }).poolSize - maxParallel).toBe(POOL_HEADROOM);
    },
  );

  it('reaches mysql2 as connectionLimit (nothing in `extra` overrides it)', () => {
    const options = dataSourceOptions(MYSQL, 64);
    expect((options as { extra?: unknown }).extra).toBeUndefined();
    // Builds the driver without connecting; createConnectionOptions is what TypeORM hands to mysql2's createPool.
    const driver = new DataSource(options).driver as unknown as { createConnectionOptions(o: unknown, c: unknown): { connectionLimit: number } };
    expect(driver.createConnectionOptions(options, options).connectionLimit).toBe(74);
  });

  it('keeps 10 connections where nothing deploys (the migration CLI), and SQLite has no pool', () => {
    expect(dataSourceOptions(MYSQL)).toMatchObject({ poolSize: 10 });
    expect(dataSourceOptions({ type: 'sqlite', path: ':memory:' }, 64)).not.toHaveProperty('poolSize');
  });
});
