import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { AuthService } from './auth.service';
import { LoginDto, LoginResultDto, RefreshDto } from './dto/auth.dto';

@ApiTags('user')
@Controller('web/user')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @UseGuards(RateLimitGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: returns a 2-hour access token and a single-use refresh token' })
  @ApiEnvelope(LoginResultDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.BAD_CREDENTIALS, Errors.USER_DISABLED, Errors.TOO_MANY_REQUESTS, Errors.SERVICE_UNAVAILABLE)
  login(@Body() dto: LoginDto): Promise<LoginResultDto> {
    return this.auth.login(dto.username, dto.password);
  }

  @Public()
  @UseGuards(RateLimitGuard)
  @Post('login/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Swap a refresh token for new tokens; reusing an old one revokes the session' })
  @ApiEnvelope(LoginResultDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.REFRESH_TOKEN_INVALID, Errors.REFRESH_TOKEN_REUSED, Errors.USER_DISABLED, Errors.TOO_MANY_REQUESTS, Errors.SERVICE_UNAVAILABLE)
  refresh(@Body() dto: RefreshDto): Promise<LoginResultDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(200)
  @ApiOperation({ summary: 'End this login session (its access and refresh tokens stop working)' })
  @ApiEnvelope()
  @ApiErrors(Errors.UNAUTHENTICATED)
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user.sessionId);
  }
}
