import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull } from '../../common/validation';
import { CHANNEL_TYPES, ChannelType, EMAIL_SECURITY, EmailSecurity, NOTIFICATION_EVENTS, NotificationEvent, NotificationLanguage } from '../notice';

const ONE_LINE = /^[^\x00-\x1f\x7f]*$/;
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;

export class EmailSettingsDto {
  @ApiProperty({ example: 'smtp.example.com' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(/^[A-Za-z0-9.:[\]-]+$/, { message: 'host must be a host name or IP address' })
  host: string;

  @ApiProperty({ example: 465 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port: number;

  @ApiProperty({ enum: EMAIL_SECURITY, example: 'tls', description: '`tls` (TLS from the start, usually 465), `starttls` (required, usually 587) or `none` (plain; private addresses only)' })
  @IsIn(EMAIL_SECURITY)
  security: EmailSecurity;

  @ApiPropertyOptional({ example: 'deploy@example.com' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(255)
  @Matches(ONE_LINE, { message: 'username must be one line' })
  username?: string;

  @ApiPropertyOptional({ example: 'app-password', description: 'Write-only. On PUT, leave it out to keep the saved one' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(1024)
  @Matches(ONE_LINE, { message: 'password must be one line' })
  password?: string;

  @ApiProperty({ example: 'deploy@example.com' })
  @IsString()
  @MaxLength(255)
  @Matches(ADDRESS, { message: 'from must be an e-mail address' })
  from: string;

  @ApiProperty({ example: ['ops@example.com'], type: [String] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  @Matches(ADDRESS, { each: true, message: 'each of to must be an e-mail address' })
  to: string[];
}

const ChannelName = () => applyDecorators(IsString(), MinLength(1), MaxLength(64), Matches(/^[^\x00-\x1f\x7f]+$/, { message: 'name must be one line' }));

/**
 * The optional fields of create and update. `name` is not among them: class-validator keeps a parent's
 * ValidateIf for a redeclared field, so a create without a name skipped every check of it and met the
 * database's NOT NULL (a 500).
 */
class ChannelSettingsDto {
  @ApiPropertyOptional({ enum: ['zh', 'en'], default: 'zh' })
  @OptionalNotNull()
  @IsIn(['zh', 'en'])
  language?: NotificationLanguage;

  @ApiPropertyOptional({
    enum: NOTIFICATION_EVENTS,
    isArray: true,
    example: ['succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted'],
    description: 'What to be told about (default: the five outcomes). A recovery after failures is always sent',
  })
  @OptionalNotNull()
  @IsArray()
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENTS, { each: true })
  events?: NotificationEvent[];

  @ApiPropertyOptional({ example: true, description: 'Used for your scripts that have no channel attached' })
  @OptionalNotNull()
  @IsBoolean()
  isDefault?: boolean;

  @ApiPropertyOptional({ example: [1], type: [Number], description: 'Your scripts whose deployments go here (instead of to the default channels)' })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsInt({ each: true })
  @Min(1, { each: true })
  scriptIds?: number[];

  @ApiPropertyOptional({
    example: 'https://oapi.dingtalk.com/robot/send?access_token=...',
    description: 'Write-only. The robot or webhook URL (every type but email); its token is never returned',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({
    example: 'SEC0123456789abcdef',
    description: 'Write-only. DingTalk and Feishu signing secret, or the generic webhook HMAC key; an empty string removes it',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(512)
  @Matches(ONE_LINE, { message: 'secret must be one line' })
  secret?: string;

  @ApiPropertyOptional({ type: EmailSettingsDto })
  @OptionalNotNull()
  @ValidateNested()
  @Type(() => EmailSettingsDto)
  email?: EmailSettingsDto;
}

/** Every field optional: what PUT changes. */
export class UpdateChannelDto extends ChannelSettingsDto {
  @ApiPropertyOptional({ example: 'ops-dingtalk', description: 'Unique among your channels' })
  @OptionalNotNull()
  @ChannelName()
  name?: string;
}

export class CreateChannelDto extends ChannelSettingsDto {
  @ApiProperty({ example: 'ops-dingtalk', description: 'Unique among your channels' })
  @ChannelName()
  name: string;

  @ApiProperty({ enum: CHANNEL_TYPES, example: 'dingtalk' })
  @IsIn(CHANNEL_TYPES)
  type: ChannelType;
}

export class ChannelEmailDto {
  @ApiProperty({ example: 'smtp.example.com' })
  host: string;
  @ApiProperty({ example: 465 })
  port: number;
  @ApiProperty({ enum: EMAIL_SECURITY, example: 'tls' })
  security: EmailSecurity;
  @ApiProperty({ example: 'deploy@example.com', nullable: true, type: String })
  username: string | null;
  @ApiProperty({ example: true })
  hasPassword: boolean;
  @ApiProperty({ example: 'deploy@example.com' })
  from: string;
  @ApiProperty({ example: ['ops@example.com'], type: [String] })
  to: string[];
}

export class ChannelDto {
  @ApiProperty({ example: 1 })
  id: number;
  @ApiProperty({ example: 'ops-dingtalk' })
  name: string;
  @ApiProperty({ enum: CHANNEL_TYPES, example: 'dingtalk' })
  type: ChannelType;
  @ApiProperty({ enum: ['zh', 'en'], example: 'zh' })
  language: NotificationLanguage;
  @ApiProperty({ enum: NOTIFICATION_EVENTS, isArray: true, example: ['succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted'] })
  events: NotificationEvent[];
  @ApiProperty({ example: true })
  isDefault: boolean;
  @ApiProperty({ example: [1], type: [Number] })
  scriptIds: number[];
  @ApiProperty({ example: 'https://oapi.dingtalk.com/…', description: 'Where it delivers, without the token or any other secret part' })
  target: string;
  @ApiProperty({ example: true, description: 'Whether a signing secret is saved (it is never returned)' })
  hasSecret: boolean;
  @ApiPropertyOptional({ type: ChannelEmailDto, nullable: true })
  email: ChannelEmailDto | null;
  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  updatedAt: string;
}

export class ChannelTestResultDto {
  @ApiProperty({ example: 'HTTP 200 {"errcode":0,"errmsg":"ok"}', description: 'What the receiver answered' })
  response: string;
}
