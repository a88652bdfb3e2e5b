import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * The readiness check's database ping: `SELECT 1` within a time limit, reported as terminus's
 * TypeOrmHealthIndicator reports it (same result object, same messages). Ours because terminus's
 * looks for `@nestjs/typeorm` and `typeorm` with a computed `require` on every check, which the
 * bundled app (build/bundle.mjs) would answer by loading a second, unbundled copy of both.
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async pingCheck(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(key);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      if ((await Promise.race([this.dataSource.query('SELECT 1'), timedOut])) === 'timeout') return check.down(`timeout of ${timeoutMs}ms exceeded`);
    } catch {
      return check.down();
    } finally {
      clearTimeout(timer);
    }
    return check.up();
  }
}
