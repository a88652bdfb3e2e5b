import { Controller, Delete, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../../common/decorators/current-user.decorator';
import { ApiEnvelope, ApiErrors } from '../../common/dto/envelope.dto';
import { Errors } from '../../common/error-codes';
import { DeleteScriptQueryDto } from '../dto/script.dto';
import { ScriptId } from '../script-id.decorator';
import { ScriptDeletion } from './script-deletion.service';

/** DELETE of a script (see ScriptDeletionModule for why it is not in ScriptsController). */
@ApiTags('script')
@ApiBearerAuth()
@Controller('web/user/script')
export class ScriptDeletionController {
  constructor(private readonly deletion: ScriptDeletion) {}

  @Delete(':scriptId')
  @ApiOperation({
    summary: 'Delete a script. A deployed stack (or one with a deployment queued or running) is refused unless ?removeService=true, ' +
      "which first removes it with a recorded 'remove' deployment (queued after the stack's earlier operations); " +
      'the script is deleted only if that succeeds',
  })
  @ApiParam({ name: 'scriptId', type: Number })
  @ApiEnvelope()
  @ApiErrors(
    Errors.VALIDATION_FAILED,
    Errors.UNAUTHENTICATED,
    Errors.SCRIPT_NOT_FOUND,
    Errors.STACK_DEPLOYED,
    Errors.SERVICE_UNAVAILABLE,
    Errors.DEPLOYMENT_FAILED,
    Errors.DEPLOYMENT_INTERRUPTED,
    Errors.DOCKER_UNAVAILABLE,
    Errors.DEPLOYMENT_TIMEOUT,
  )
  async remove(@CurrentUser() user: AuthUser, @ScriptId() id: number, @Query() query: DeleteScriptQueryDto): Promise<void> {
    await this.deletion.delete(user, id, query.removeService === true);
  }
}
