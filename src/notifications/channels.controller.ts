import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { IdParam } from '../common/decorators/id-param.decorator';
import { Page } from '../common/dto/page.dto';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { ChannelsService } from './channels.service';
import { ChannelDto, ChannelTestResultDto, CreateChannelDto, UpdateChannelDto } from './dto/channel.dto';
import { DeliveryDto, DeliveryPageDto, DeliveryQueryDto } from './dto/delivery.dto';

const ChannelId = () => IdParam({ name: 'id', notFound: Errors.NOTIFICATION_CHANNEL_NOT_FOUND });

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('web/user/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiOperation({ summary: 'Your notification channels (URL tokens, secrets and passwords are never returned)' })
  @ApiEnvelope(ChannelDto, { isArray: true })
  @ApiErrors(Errors.UNAUTHENTICATED)
  list(@CurrentUser() user: AuthUser): Promise<ChannelDto[]> {
    return this.channels.list(user);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Save a channel: DingTalk, WeCom or Feishu robot, Slack incoming webhook, e-mail (SMTP) or a generic signed webhook. ' +
      'Deployments of the scripts it is attached to (or of all your scripts without a channel, if it is a default) are reported there',
  })
  @ApiEnvelope(ChannelDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_EXISTS)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateChannelDto): Promise<ChannelDto> {
    return this.channels.create(user, dto);
  }

  @Get(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'One channel' })
  @ApiEnvelope(ChannelDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @ChannelId() id: number): Promise<ChannelDto> {
    return this.channels.get(user, id);
  }

  @Put(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'Change a channel: only the fields given (secrets left out are kept; `scriptIds` replaces the attachments)' })
  @ApiEnvelope(ChannelDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_NOT_FOUND, Errors.NOTIFICATION_CHANNEL_EXISTS)
  update(@CurrentUser() user: AuthUser, @ChannelId() id: number, @Body() dto: UpdateChannelDto): Promise<ChannelDto> {
    return this.channels.update(user, id, dto);
  }

  @Delete(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'Delete a channel and its delivery records' })
  @ApiEnvelope()
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_NOT_FOUND)
  async delete(@CurrentUser() user: AuthUser, @ChannelId() id: number): Promise<void> {
    await this.channels.delete(user, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'Send a test message now; answers with what the receiver said (40060 with its answer when it did not accept it)' })
  @ApiEnvelope(ChannelTestResultDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_NOT_FOUND, Errors.NOTIFICATION_TEST_FAILED)
  test(@CurrentUser() user: AuthUser, @ChannelId() id: number): Promise<ChannelTestResultDto> {
    return this.channels.test(user, id);
  }

  @Get(':id/deliveries')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: "The channel's messages, newest first: state, attempts and the receiver's last answer" })
  @ApiEnvelope(DeliveryPageDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.NOTIFICATION_CHANNEL_NOT_FOUND)
  deliveries(@CurrentUser() user: AuthUser, @ChannelId() id: number, @Query() query: DeliveryQueryDto): Promise<Page<DeliveryDto>> {
    return this.channels.deliveries(user, id, query);
  }
}
