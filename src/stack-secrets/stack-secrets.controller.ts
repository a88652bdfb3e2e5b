import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { ScriptId } from '../scripts/script-id.decorator';
import { SetStackSecretDto, StackSecretDto, StackSecretSetDto } from './dto/stack-secret.dto';
import { StackSecretsService } from './stack-secrets.service';

@ApiTags('stack secrets')
@ApiBearerAuth()
@Controller('web/user/script/:scriptId/secrets')
export class StackSecretsController {
  constructor(private readonly secrets: StackSecretsService) {}

  @Get()
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiOperation({ summary: "The script's stack secrets by name and date (values are never returned)" })
  @ApiEnvelope(StackSecretDto, { isArray: true })
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  list(@CurrentUser() user: AuthUser, @ScriptId() id: number): Promise<StackSecretDto[]> {
    return this.secrets.list(user, id);
  }

  @Put(':name')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiParam({ name: 'name', example: 'db_password' })
  @ApiOperation({
    summary: 'Set a stack secret (write-only). Use it in the compose file as a top-level secret with `external: true` under this name; ' +
      'services read it from /run/secrets/<name>. A new value is a new swarm secret: a deployed stack that uses it is redeployed (deploymentId)',
  })
  @ApiEnvelope(StackSecretSetDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND, Errors.STACK_SECRET_NOT_FOUND, Errors.STACK_NOT_OURS, Errors.SERVICE_UNAVAILABLE)
  set(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Param('name') name: string, @Body() dto: SetStackSecretDto): Promise<StackSecretSetDto> {
    return this.secrets.set(user, id, name, dto.value);
  }

  @Delete(':name')
  @ApiParam({ name: 'scriptId', example: 1 })
  @ApiParam({ name: 'name', example: 'db_password' })
  @ApiOperation({ summary: 'Delete a stack secret the compose file no longer uses (409 while it does)' })
  @ApiEnvelope()
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND, Errors.STACK_SECRET_NOT_FOUND, Errors.CONFLICT)
  async delete(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Param('name') name: string): Promise<void> {
    await this.secrets.delete(user, id, name);
  }
}
