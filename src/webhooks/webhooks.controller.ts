import { Body, Controller, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/decorators/public.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { REGISTRY_FORMATS } from './registries';
import { WebhooksService } from './webhooks.service';

const ALIYUN_EXAMPLE = {
  push_data: { digest: 'sha256:179b742913762a68ae7344a927b105f951e7a82adc544a92bf212f1dee3f2656', pushed_at: '2021-04-22 13:36:43', tag: 'prod-1.4.7' },
  repository: {
    date_created: '2021-04-18 13:15:40',
    name: 'halo',
    namespace: 'pongsky',
    region: 'cn-shanghai',
    repo_authentication_type: 'NO_CERTIFIED',
    repo_full_name: 'pongsky/halo',
    repo_origin_type: 'NO_CERTIFIED',
    repo_type: 'PRIVATE',
  },
};

@ApiTags('webhook')
@Controller('api/autoUpdate')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Called by the registry: authenticated by the script's own token, not by a user session. */
  @Public()
  @Post(':userId/:serviceName')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Registry webhook: roll the stack services that run the pushed repository to the pushed tag',
    description:
      'Understands Alibaba Cloud ACR (personal and enterprise), Docker Hub, Harbor (default and CloudEvents), GitHub Packages (ghcr.io), ' +
      'Gitea, Forgejo, CNCF Distribution and GitLab, Azure ACR, Quay and Tencent TCR, detected from headers and shape or forced by `?source=`. ' +
      'Needs the script token (`?token=` as in autoUpdateUrl, or the X-Webhook-Token header); with a signing secret set, GitHub/Gitea/Forgejo ' +
      'deliveries must be signed with it and a secret header (Authorization or X-Webhook-Secret) must hold it. The tag policy decides which ' +
      'tags roll; a replayed delivery runs nothing. Waits for the rollout as long as the registry waits for an answer (at most ' +
      'WEBHOOK_WAIT_SECONDS): 200 with the output lines, or 202 with the deployment id. Every delivery is in GET /web/user/script/{id}/webhooks.',
  })
  @ApiQuery({ name: 'token', required: false, description: 'The script webhook token (from autoUpdateUrl)' })
  @ApiQuery({ name: 'source', required: false, description: 'Force the registry format: ' + REGISTRY_FORMATS.map((f) => f.id).join(', ') })
  @ApiHeader({ name: 'X-Webhook-Token', required: false, description: 'The script webhook token, instead of ?token=' })
  @ApiHeader({ name: 'X-Webhook-Secret', required: false, description: "The stack's signing secret, for registries that send a configured header (or Authorization)" })
  @ApiBody({ schema: { type: 'object', example: ALIYUN_EXAMPLE } })
  @ApiEnvelope('string[]')
  @ApiEnvelope(undefined, { status: 202 })
  @ApiErrors(
    Errors.WEBHOOK_PAYLOAD_INVALID,
    Errors.WEBHOOK_NO_MATCH,
    Errors.TAG_REFUSED_BY_POLICY,
    Errors.WEBHOOK_SIGNATURE_INVALID,
    Errors.WEBHOOK_SIGNATURE_REQUIRED,
    Errors.AUTO_UPDATE_DISABLED,
    Errors.WEBHOOK_NOT_FOUND,
    Errors.DEPLOYMENT_FAILED,
    Errors.DEPLOYMENT_ROLLED_BACK,
  )
  async receive(
    @Param('userId') userId: string,
    @Param('serviceName') serviceName: string,
    @Query('token') queryToken: unknown,
    @Query('source') source: unknown,
    @Headers('x-webhook-token') headerToken: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const outcome = await this.webhooks.receive({
      userId,
      serviceName,
      token: typeof queryToken === 'string' ? queryToken : headerToken,
      source: source === undefined ? undefined : String(source),
      headers: request.headers,
      body,
      rawBody: request.rawBody ?? Buffer.alloc(0),
    });
    if (outcome.accepted) reply.status(202);
    return outcome.data;
  }
}
