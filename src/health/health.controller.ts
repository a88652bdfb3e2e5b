import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator';
import { ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { DatabaseHealthIndicator } from './database-health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiErrors(Errors.SERVICE_UNAVAILABLE)
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.pingCheck('database', 3000)]);
  }
}
