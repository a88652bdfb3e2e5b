import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { UserDto } from '../../users/dto/user.dto';

export class LoginDto {
  @ApiProperty({ example: 'aatrox' })
  @IsString()
  @Length(1, 64)
  username: string;

  @ApiProperty({ example: 'violet-otter-42' })
  @IsString()
  @Length(1, 256)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ example: '12.Jb3q...43 chars....Xq2p...43 chars...', description: 'The refreshToken from login or the last refresh' })
  @IsString()
  @Length(1, 256)
  refreshToken: string;
}

export class LoginResultDto {
  @ApiProperty({ example: 1 })
  id: number;
  @ApiProperty({ example: 'USER' })
  role: UserDto['role'];
  @ApiProperty({ example: 'aatrox' })
  username: string;
  @ApiProperty({ example: 'aatrox' })
  name: string;
  @ApiProperty({ example: '15159845510' })
  phone: string;
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...', description: 'Access token (2 hours); send it as the `authorization` header, raw or as `Bearer <token>`' })
  authorization: string;
  @ApiProperty({ example: '12.Jb3q...', description: 'Single-use refresh token (7 days); POST it to /web/user/login/refresh' })
  refreshToken: string;
}
