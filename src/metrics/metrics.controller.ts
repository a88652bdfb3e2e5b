import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError } from '../common/app-error';
import { Public } from '../common/decorators/public.decorator';
import { ApiErrors } from '../common/dto/envelope.dto';
import { sendRaw } from '../common/envelope';
import { Errors } from '../common/error-codes';
import { metricsConfig } from '../config/metrics.config';
import { metricsTokenMatches } from './metrics-token';
import { MetricsService } from './metrics.service';

// Public to the JWT guard: Prometheus scrapes with a static bearer token (METRICS_TOKEN), not a login.
@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(metricsConfig.KEY) private readonly config: ConfigType<typeof metricsConfig>,
  ) {}

  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiOperation({ summary: 'Prometheus metrics (text format). Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set' })
  @ApiErrors(Errors.UNAUTHENTICATED)
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (this.config.token !== undefined && !metricsTokenMatches(authorization, this.config.token)) {
      throw new AppError(Errors.UNAUTHENTICATED);
    }
    sendRaw(reply, this.metrics.contentType, await this.metrics.render());
  }
}
