import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from './database-health';

const indicator = (query: () => Promise<unknown>) => new DatabaseHealthIndicator({ query } as unknown as DataSource, new HealthIndicatorService());

describe('DatabaseHealthIndicator', () => {
  it('is up when SELECT 1 answers', async () => {
    await expect(indicator(() => Promise.resolve([{ 1: 1 }])).pingCheck('database', 1000)).resolves.toEqual({ database: { status: 'up' } });
  });

  it('is down when the query fails, without the error text (it can name hosts and users)', async () => {
    await expect(indicator(() => Promise.reject(new Error('connect ECONNREFUSED db:3306'))).pingCheck('database', 1000)).resolves.toEqual({ database: { status: 'down' } });
  });

  it('is down, saying so, when the database does not answer in time', async () => {
    await expect(indicator(() => new Promise(() => undefined)).pingCheck('database', 20)).resolves.toEqual({
      database: { status: 'down', message: 'timeout of 20ms exceeded' },
    });
  });
});
