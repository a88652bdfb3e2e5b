import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../../common/decorators/current-user.decorator';
import { ApiEnvelope, ApiErrors } from '../../common/dto/envelope.dto';
import { Page, PageQueryDto } from '../../common/dto/page.dto';
import { Errors } from '../../common/error-codes';
import { ScriptId } from '../../scripts/script-id.decorator';
import { ScriptsService } from '../../scripts/scripts.service';
import { WebhookDeliveryDto, WebhookDeliveryPageDto } from './dto/webhook-delivery.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

@ApiTags('webhook')
@ApiBearerAuth()
@Controller('web/user/script')
export class WebhookDeliveriesController {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly deliveries: WebhookDeliveriesService,
  ) {}

  @Get(':scriptId/webhooks')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({
    summary: "Your script's webhook deliveries, newest first: who sent what, what proved the sender, what was decided and why, " +
      'and the status now of the deployment it started (kept WEBHOOK_DELIVERY_RETENTION_DAYS, at most WEBHOOK_DELIVERY_MAX_PER_SCRIPT)',
  })
  @ApiEnvelope(WebhookDeliveryPageDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  async list(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() query: PageQueryDto): Promise<Page<WebhookDeliveryDto>> {
    const script = await this.scripts.findOwned(user, id);
    return this.deliveries.page(script.id, query.pageNumber, query.pageSize);
  }
}
