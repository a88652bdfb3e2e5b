import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { StackSecret } from '../../tenancy/entities/stack-secret.entity';

/** Docker's limit on one secret's value. */
export const MAX_SECRET_BYTES = 500 * 1024;
/** A secret's name in the compose file; with the stack name and a version it must fit docker's 64 characters. */
export const STACK_SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,23}$/;

export class SetStackSecretDto {
  @ApiProperty({ example: 'correct-horse-battery-staple', description: 'The value (write-only: never returned or logged), at most 500 KiB' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_SECRET_BYTES)
  value: string;
}

export class StackSecretDto {
  @ApiProperty({ example: 'db_password', description: 'The key under top-level `secrets:` (with `external: true`) in the compose file' })
  name: string;

  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ example: '2026-11-29T12:30:00.000Z', description: 'When the value was last set' })
  updatedAt: string;

  static from(s: StackSecret): StackSecretDto {
    return { name: s.name, createdAt: new Date(s.createdAt).toISOString(), updatedAt: new Date(s.updatedAt).toISOString() };
  }
}

export class StackSecretSetDto extends StackSecretDto {
  @ApiProperty({ example: 42, nullable: true, type: Number, description: 'The redeployment queued to roll the running stack to the new value; null when the stack is not deployed or does not use the secret' })
  deploymentId: number | null;
}
