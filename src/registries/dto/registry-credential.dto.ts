import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { RegistryCredential } from '../entities/registry-credential.entity';

// Registry usernames are e-mail addresses, robot accounts (`robot$ci`), ACR's `name@aliyun-id`: anything
// printable without spaces. Passwords and tokens: anything but control characters that would end a line.
const USERNAME = /^[^\s\x00-\x1f\x7f]+$/;
const PASSWORD = /^[^\x00\r\n]+$/;

export class UpdateRegistryCredentialDto {
  @ApiProperty({ example: 'deploy@1234567890123456', description: 'The registry login (Alibaba ACR: the account name shown under "Access Credential")' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  @Matches(USERNAME, { message: 'username must not contain spaces or control characters' })
  username: string;

  @ApiProperty({ example: 'correct-horse-battery-staple', description: 'Password or access token (write-only: never returned or logged)' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  @Matches(PASSWORD, { message: 'password must be one line' })
  password: string;
}

export class CreateRegistryCredentialDto extends UpdateRegistryCredentialDto {
  @ApiProperty({
    example: 'registry.cn-hangzhou.aliyuncs.com',
    description: 'Registry host[:port] as image references name it (`docker.io` for Docker Hub; a pasted URL is accepted)',
  })
  @IsString()
  @MaxLength(300)
  host: string;

  @ApiPropertyOptional({ example: false, default: false, description: 'ADMIN only: a credential every user uses for this host unless they saved their own' })
  @IsOptional()
  @IsBoolean()
  shared?: boolean;
}

export class RegistryCredentialDto {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'registry.cn-hangzhou.aliyuncs.com' })
  host: string;

  @ApiProperty({ example: 'deploy@1234567890123456' })
  username: string;

  @ApiProperty({ example: false, description: "An ADMIN's credential for every user (a user's own credential for the host wins)" })
  shared: boolean;

  @ApiProperty({ example: 'admin', description: 'Who saved it last' })
  savedBy: string;

  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ example: '2026-11-29T12:30:00.000Z' })
  updatedAt: string;

  @ApiProperty({ example: '2026-11-29T13:00:00.000Z', nullable: true, type: String, description: 'When a deployment or digest lookup last used it' })
  lastUsedAt: string | null;

  @ApiProperty({ example: true, nullable: true, type: Boolean, description: 'Whether that last use worked; null before the first use' })
  lastUseOk: boolean | null;

  @ApiProperty({ example: null, nullable: true, type: String, description: "The registry's answer when the last use failed" })
  lastUseError: string | null;

  static from(c: RegistryCredential, savedBy: string): RegistryCredentialDto {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      id: c.id,
      host: c.host,
      username: c.username,
      shared: c.scope === 'shared',
      savedBy,
      createdAt: iso(c.createdAt)!,
      updatedAt: iso(c.updatedAt)!,
      lastUsedAt: iso(c.lastUsedAt),
      lastUseOk: c.lastUseOk === null ? null : c.lastUseOk === 1,
      lastUseError: c.lastUseError,
    };
  }
}
