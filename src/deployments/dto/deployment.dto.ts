import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { Page, PageQueryDto, toBool, toInt } from '../../common/dto/page.dto';
import { SERVICE_NAME_RE } from '../../swarm/docker-names';
import { isRepository, TAG_RE } from '../../swarm/image-reference';
import { DEPLOYMENT_ACTIONS, DEPLOYMENT_STATUSES, DEPLOYMENT_TRIGGERS, Deployment, DeploymentStatus } from '../entities/deployment.entity';
import { storedLines } from '../live-output';

export class UpdateServiceDto {
  @ApiProperty({ example: 'halohub/halo', description: 'Image repository without tag or digest (docker reference grammar, lowercase path)' })
  @IsString()
  @MaxLength(255)
  @ValidateBy({ name: 'isRepository', validator: { validate: isRepository } }, { message: 'repository must be an image repository without tag or digest, e.g. halohub/halo' })
  repository: string;

  @ApiProperty({ example: '1.4.7', description: 'Tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' })
  @IsString()
  @Matches(TAG_RE, { message: 'tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' })
  tag: string;

  @ApiPropertyOptional({
    example: 'halo',
    description: 'The compose service to roll. Default: every service whose image is `repository`, else the service named like the stack',
  })
  @IsOptional()
  @IsString()
  @Matches(SERVICE_NAME_RE, { message: 'service must be a compose service name' })
  service?: string;
}

export class WaitQueryDto {
  @ApiPropertyOptional({ example: false, default: true, description: 'false: answer 202 with the queued deployment at once' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  wait?: boolean = true;
}

export class DeploymentQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 3, description: 'Only the deployments of this script (none when it is not yours)' })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  scriptId?: number;

  @ApiPropertyOptional({ enum: DEPLOYMENT_STATUSES, example: 'failed', description: 'Only deployments in this status' })
  @IsOptional()
  @IsIn(DEPLOYMENT_STATUSES)
  status?: DeploymentStatus;
}

export class DeploymentDto {
  @ApiProperty({ example: 12 }) id: number;
  @ApiProperty({ example: 3, nullable: true, description: 'null once the script is deleted' }) scriptId: number | null;
  @ApiProperty({ example: 'halo', description: 'The stack' }) serviceName: string;
  @ApiProperty({ enum: DEPLOYMENT_ACTIONS, example: 'update' }) action: string;
  @ApiProperty({ enum: DEPLOYMENT_TRIGGERS, example: 'manual' }) trigger: string;
  @ApiProperty({ example: 'halohub/halo', nullable: true, description: 'The repository an update rolls to' }) image: string | null;
  @ApiProperty({ example: '1.4.7', nullable: true }) tag: string | null;
  @ApiProperty({ example: null, nullable: true, description: 'sha256:... when the registry reported one' }) digest: string | null;
  @ApiProperty({ example: 'halohub/halo:1.4.6', nullable: true, description: 'What the (first) service ran before an update' }) previousImage: string | null;
  @ApiProperty({ example: 'aliyun', nullable: true, description: 'Webhook updates: the registry whose push started it' }) source: string | null;
  @ApiProperty({ example: ['halo_halo'], nullable: true, description: 'The swarm services an update rolls' }) services: string[] | null;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES, example: 'succeeded' }) status: string;
  @ApiProperty({ example: null, nullable: true, description: 'Why it failed, in one sentence' }) error: string | null;
  @ApiProperty({ example: null, nullable: true, description: 'The error code a failure answers with' }) errorCode: number | null;
  @ApiProperty({ example: 42, description: 'Output lines produced (only the newest 2,000 are kept)' }) lineCount: number;
  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' }) createdAt: Date;
  @ApiProperty({ example: '2026-01-01T12:00:00.120Z', nullable: true }) startedAt: Date | null;
  @ApiProperty({ example: '2026-01-01T12:00:14.800Z', nullable: true }) finishedAt: Date | null;

  static from(d: Deployment): DeploymentDto {
    const { id, scriptId, serviceName, action, trigger, image, tag, digest, previousImage, source, services, status, error, errorCode, lineCount, createdAt, startedAt, finishedAt } = d;
    return { id, scriptId, serviceName, action, trigger, image, tag, digest, previousImage, source, services, status, error, errorCode, lineCount, createdAt, startedAt, finishedAt };
  }
}

export class DeploymentDetailDto extends DeploymentDto {
  @ApiProperty({
    example: ['halo_halo', 'overall progress: 0 out of 1 tasks', '1/1: running', 'overall progress: 1 out of 1 tasks', 'verify: Service converged'],
    description: 'The collapsed output lines (the newest 2,000)',
  })
  output: string[];

  static detail(d: Deployment): DeploymentDetailDto {
    return { ...DeploymentDto.from(d), output: storedLines(d.output) };
  }
}

export class DeploymentPageDto extends Page<DeploymentDto> {
  @ApiProperty({ type: [DeploymentDto] })
  declare content: DeploymentDto[];
}
