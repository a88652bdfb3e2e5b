import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { Roles } from '../common/decorators/roles.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Page, PageQueryDto } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { RegisterDto, SetDisabledDto, SetRoleDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

const idPipe = new ParseIntPipe({ exceptionFactory: () => new AppError(Errors.USER_NOT_FOUND) });

@ApiTags('user')
@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @UseGuards(RateLimitGuard)
  @Post('web/user/login/registered')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Register. The first user becomes ADMIN; then REGISTRATION decides (open, approval, closed)',
  })
  @ApiEnvelope(UserDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.PASSWORD_TOO_WEAK, Errors.REGISTRATION_CLOSED, Errors.USERNAME_TAKEN, Errors.TOO_MANY_REQUESTS, Errors.SERVICE_UNAVAILABLE)
  register(@Body() dto: RegisterDto): Promise<UserDto> {
    return this.users.register(dto);
  }

  @ApiBearerAuth()
  @Get('web/user/me')
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiEnvelope(UserDto)
  @ApiErrors(Errors.UNAUTHENTICATED)
  async me(@CurrentUser() user: AuthUser): Promise<UserDto> {
    return UserDto.from(await this.users.get(user.id));
  }

  @ApiBearerAuth()
  @Roles('ADMIN')
  @Get('web/admin/users')
  @ApiOperation({ summary: 'ADMIN: list users, newest first' })
  @ApiEnvelope(Page)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN)
  list(@Query() query: PageQueryDto): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @ApiBearerAuth()
  @Roles('ADMIN')
  @Put('web/admin/users/:userId/disable')
  @ApiOperation({ summary: 'ADMIN: enable (0) or disable (1) a user; disabling ends its sessions' })
  @ApiEnvelope(UserDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN, Errors.LAST_ADMIN, Errors.USER_NOT_FOUND)
  setDisabled(@Param('userId', idPipe) userId: number, @Body() dto: SetDisabledDto): Promise<UserDto> {
    return this.users.setDisabled(userId, dto.isDisable);
  }

  @ApiBearerAuth()
  @Roles('ADMIN')
  @Put('web/admin/users/:userId/role')
  @ApiOperation({ summary: 'ADMIN: change a user role' })
  @ApiEnvelope(UserDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN, Errors.LAST_ADMIN, Errors.USER_NOT_FOUND)
  setRole(@Param('userId', idPipe) userId: number, @Body() dto: SetRoleDto): Promise<UserDto> {
    return this.users.setRole(userId, dto.role);
  }
}
