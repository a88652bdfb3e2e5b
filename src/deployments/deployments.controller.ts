import { Body, Controller, Get, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { IdParam } from '../common/decorators/id-param.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Page, PageQueryDto } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { ScriptId } from '../scripts/script-id.decorator';
import { ScriptsService } from '../scripts/scripts.service';
import { DeploymentStreams } from './deployment-streams';
import { DeploymentsService } from './deployments.service';
import { DeploymentDetailDto, DeploymentDto, DeploymentPageDto, DeploymentQueryDto, UpdateServiceDto, WaitQueryDto } from './dto/deployment.dto';
import { sendEventStream } from './event-stream';
import { ManualAnswer, ManualDeploymentsService } from './manual-deployments.service';

const DeploymentId = () => IdParam({ name: 'id', notFound: Errors.DEPLOYMENT_NOT_FOUND });

const RUN_ERRORS = [
  Errors.UNAUTHENTICATED,
  Errors.SCRIPT_NOT_FOUND,
  Errors.STACK_NOT_OURS,
  Errors.DEPLOYMENT_FAILED,
  Errors.DEPLOYMENT_INTERRUPTED,
  Errors.DOCKER_UNAVAILABLE,
  Errors.DEPLOYMENT_TIMEOUT,
];

/** Sets 202 for a deployment still queued or running, and returns the answer's data. */
function answer<T>(reply: FastifyReply, result: ManualAnswer<T>): T | DeploymentDto {
  void reply.status(result.status);
  return result.data;
}

@ApiTags('deployment')
@ApiBearerAuth()
@Controller('web/user')
export class DeploymentsController {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly manual: ManualDeploymentsService,
    private readonly deployments: DeploymentsService,
    private readonly streams: DeploymentStreams,
  ) {}

  @Put('script/:scriptId/createService')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({ summary: 'Deploy the stack: docker stack deploy --with-registry-auth -c <file> <serviceName>; data is the output as one string. ?wait=false: 202 with the queued deployment' })
  @ApiEnvelope('string')
  @ApiEnvelope(DeploymentDto, { status: 202 })
  @ApiErrors(Errors.VALIDATION_FAILED, ...RUN_ERRORS)
  async create(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() q: WaitQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.manual.create(user, id, q.wait !== false));
  }

  @Put('script/:scriptId/removeService')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({ summary: 'Remove the stack: docker stack rm <serviceName>; data is the output as one string' })
  @ApiEnvelope('string')
  @ApiEnvelope(DeploymentDto, { status: 202 })
  @ApiErrors(Errors.VALIDATION_FAILED, ...RUN_ERRORS)
  async remove(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() q: WaitQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.manual.remove(user, id, q.wait !== false));
  }

  @Put('script/:scriptId/updateService')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({
    summary: 'Roll services to repository:tag (docker service update --image ... --detach=false); data is the output lines. ' +
      'A failed update is rolled back (ROLLBACK_ON_FAILURE) and answers 50011 with the lines in data',
  })
  @ApiEnvelope('string[]')
  @ApiEnvelope(DeploymentDto, { status: 202 })
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.NO_TARGET_SERVICE, Errors.UNKNOWN_COMPOSE_SERVICE, Errors.STACK_NOT_DEPLOYED, Errors.DEPLOYMENT_ROLLED_BACK, ...RUN_ERRORS)
  async update(
    @CurrentUser() user: AuthUser,
    @ScriptId() id: number,
    @Body() dto: UpdateServiceDto,
    @Query() q: WaitQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answer(reply, await this.manual.update(user, id, dto, q.wait !== false));
  }

  @Put('script/:scriptId/adopt')
  @Roles('ADMIN')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({
    summary: 'ADMIN: take a stack of this name that runs on the swarm but was deployed some other way (by hand, another tool or ' +
      "installation) into this script: its services get this script's ownership labels, their tasks keep running. Recorded as an " +
      "'adopt' deployment. Until then createService/updateService/removeService and webhooks refuse to touch it (40912)",
  })
  @ApiEnvelope('string')
  @ApiEnvelope(DeploymentDto, { status: 202 })
  @ApiErrors(Errors.FORBIDDEN, Errors.STACK_NOT_DEPLOYED, ...RUN_ERRORS)
  async adopt(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() q: WaitQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, await this.manual.adopt(user, id, q.wait !== false));
  }

  @Get('script/:scriptId/deployments')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({ summary: "The script's deployments, newest first (without output)" })
  @ApiEnvelope(DeploymentPageDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  async list(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() query: PageQueryDto) {
    const script = await this.scripts.findOwned(user, id);
    const page = await this.deployments.listForScript(script.id, query);
    return { ...page, content: page.content.map(DeploymentDto.from) };
  }

  @Get('deployments')
  @ApiOperation({
    summary: 'Your deployments across all your scripts (those of deleted scripts too), newest first, without output; ' +
      '?scriptId= and ?status= filter',
  })
  @ApiEnvelope(DeploymentPageDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED)
  async listMine(@CurrentUser() user: AuthUser, @Query() query: DeploymentQueryDto): Promise<Page<DeploymentDto>> {
    const page = await this.deployments.listForUser(user.id, query);
    return { ...page, content: page.content.map(DeploymentDto.from) };
  }

  @Get('deployments/:id')
  @ApiParam({ name: 'id', example: 12 })
  @ApiOperation({ summary: 'One deployment with its output lines' })
  @ApiEnvelope(DeploymentDetailDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.DEPLOYMENT_NOT_FOUND)
  async get(@CurrentUser() user: AuthUser, @DeploymentId() id: number): Promise<DeploymentDetailDto> {
    return DeploymentDetailDto.detail(await this.deployments.getOwned(user.id, id));
  }

  @Get('deployments/:id/events')
  @ApiParam({ name: 'id', example: 12 })
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Server-sent events: `event: line` (id = line number, data = the line) as output arrives, then one `event: status` ' +
      '(data = the deployment as JSON) and the end. A finished deployment replays its lines. Send Last-Event-ID to resume',
  })
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.DEPLOYMENT_NOT_FOUND)
  async events(@CurrentUser() user: AuthUser, @DeploymentId() id: number, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.deployments.getOwned(user.id, id);
    const lastEventId = Number(req.headers['last-event-id']);
    sendEventStream(req, reply, this.streams.subscribe(id, Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0));
  }
}
