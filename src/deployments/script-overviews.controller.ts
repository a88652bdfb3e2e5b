import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Page } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { ScriptDto, ScriptPageDto, ScriptQueryDto } from '../scripts/dto/script.dto';
import { ScriptId } from '../scripts/script-id.decorator';
import { ScriptOverviewDto, ScriptOverviewPageDto } from './dto/script-overview.dto';
import { ScriptOverviews } from './script-overviews';

/**
 * The GETs of scripts. They live here, not in ScriptsController, because they show each script's
 * last deployment, and ScriptsModule cannot depend on DeploymentsModule.
 */
@ApiTags('script')
@ApiBearerAuth()
@Controller('web/user/script')
export class ScriptOverviewsController {
  constructor(private readonly overviews: ScriptOverviews) {}

  @Get()
  @ApiOperation({
    summary: 'Your scripts, newest first (ADMIN: ?all=true for everyone’s); serviceName filters by substring. ' +
      '?state=true: each also with its stack’s live state from docker (stack, stackError, as in the detail) and its lastDeployment',
  })
  @ApiEnvelope([ScriptPageDto, ScriptOverviewPageDto])
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN)
  list(@CurrentUser() user: AuthUser, @Query() query: ScriptQueryDto): Promise<Page<ScriptDto> | Page<ScriptOverviewDto>> {
    return this.overviews.list(user, query);
  }

  @Get(':scriptId')
  @ApiOperation({
    summary: "One of your scripts, with its stack's live state from docker (stack: deployed, services with image and running/desired); " +
      'stack null and stackError when docker cannot answer; and its lastDeployment',
  })
  @ApiParam({ name: 'scriptId', type: Number })
  @ApiEnvelope(ScriptOverviewDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.SCRIPT_NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @ScriptId() id: number): Promise<ScriptOverviewDto> {
    return this.overviews.detail(user, id);
  }
}
