import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Length, Matches } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../credentials/password-policy';
import { Role, ROLES, User } from '../entities/user.entity';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const PHONE_PATTERN = /^(?=.{6,20}$)\+?\d+$/;

export class RegisterDto {
  @ApiProperty({ example: 'aatrox', description: '3-32 characters: letters, digits, `_`, `.`, `-`, starting with a letter or digit' })
  @IsString()
  @Length(3, 32)
  @Matches(USERNAME_PATTERN, { message: 'username may contain only letters, digits, _ . - and must start with a letter or digit' })
  username: string;

  @ApiProperty({ example: 'violet-otter-42', description: 'At least 8 characters (PASSWORD_MIN_LENGTH), not a common password' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password: string;

  @ApiProperty({ example: 'aatrox', description: '1-64 characters' })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty({ example: '15159845510', description: 'Digits with an optional leading +, 6-20 characters' })
  @IsString()
  @Matches(PHONE_PATTERN, { message: 'phone must be digits with an optional leading +, 6-20 characters' })
  phone: string;
}

export class UserDto {
  @ApiProperty({ example: 1 })
  id: number;
  @ApiProperty({ example: 'USER', enum: ROLES })
  role: Role;
  @ApiProperty({ example: 'aatrox' })
  username: string;
  @ApiProperty({ example: 'aatrox' })
  name: string;
  @ApiProperty({ example: '15159845510' })
  phone: string;
  @ApiProperty({ example: 0, enum: [0, 1], description: '1 while disabled (or awaiting approval)' })
  isDisable: number;

  static from(user: User): UserDto {
    const { id, role, username, name, phone, isDisable } = user;
    return { id, role, username, name, phone, isDisable: Number(isDisable) };
  }
}

export class SetDisabledDto {
  @ApiProperty({ example: 0, enum: [0, 1], description: '1 disables the user (and ends its sessions), 0 enables it' })
  @IsInt()
  @IsIn([0, 1])
  isDisable: number;
}

export class SetRoleDto {
  @ApiProperty({ example: 'ADMIN', enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}
