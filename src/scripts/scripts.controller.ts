import { Body, Controller, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { CreateScriptDto, ScriptDto, UpdateScriptDto } from './dto/script.dto';
import { ScriptId } from './script-id.decorator';
import { ScriptsService } from './scripts.service';

const COMPOSE_ERRORS = [
  Errors.COMPOSE_TOO_LARGE,
  Errors.COMPOSE_INVALID_YAML,
  Errors.COMPOSE_NO_SERVICES,
  Errors.COMPOSE_IMAGE_INVALID,
  Errors.COMPOSE_REJECTED_BY_DOCKER,
  Errors.COMPOSE_POLICY_VIOLATION,
];

/**
 * DELETE /web/user/script/{scriptId} lives in ScriptDeletionModule (deletion/): it may queue a removal.
 * The GETs live in DeploymentsModule (ScriptOverviewsController): they show the last deployment.
 */
@ApiTags('script')
@ApiBearerAuth()
@Controller('web/user/script')
export class ScriptsController {
  constructor(private readonly scripts: ScriptsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Save a stack: its name, compose file and auto-update flag; returns the SCRIPT' })
  @ApiEnvelope(ScriptDto)
  @ApiErrors(Errors.VALIDATION_FAILED, ...COMPOSE_ERRORS, Errors.UNAUTHENTICATED, Errors.SERVICE_NAME_TAKEN)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateScriptDto): Promise<ScriptDto> {
    return this.scripts.create(user, dto);
  }

  @Put(':scriptId')
  @ApiOperation({ summary: 'Change the compose file and/or isAutoUpdate (serviceName cannot change); a deployed stack is not redeployed' })
  @ApiParam({ name: 'scriptId', type: Number })
  @ApiEnvelope(ScriptDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.SERVICE_NAME_IMMUTABLE, ...COMPOSE_ERRORS, Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  update(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Body() dto: UpdateScriptDto): Promise<ScriptDto> {
    return this.scripts.update(user, id, dto);
  }

  @Post(':scriptId/rotateToken')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new webhook token: the old autoUpdateUrl stops working; returns the SCRIPT with the new URL' })
  @ApiParam({ name: 'scriptId', type: Number })
  @ApiEnvelope(ScriptDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  rotateToken(@CurrentUser() user: AuthUser, @ScriptId() id: number): Promise<ScriptDto> {
    return this.scripts.rotateToken(user, id);
  }
}
