import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { Page, PageQueryDto, toBool } from '../../common/dto/page.dto';
import { OptionalNotNull } from '../../common/validation';
import { STACK_NAME_RE } from '../../swarm/docker-names';
import { IsTagPolicy } from './is-tag-policy.decorator';

const EXAMPLE_COMPOSE = [
  'services:',
  '  halo:',
  '    image: registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6',
  '    ports:',
  '      - "8090:8090"',
  '    volumes:',
  '      - halo-data:/root/.halo',
  'volumes:',
  '  halo-data: {}',
  '',
].join('\n');

/** Printable ASCII without spaces, so it fits any registry's header or signing-secret field. */
export const SIGNING_SECRET_PATTERN = /^[\x21-\x7e]{16,256}$/;

/** How registry pushes may roll the stack; the same on create and update. */
class WebhookSettingsDto {
  @ApiPropertyOptional({
    example: 'semver:minor',
    default: 'all',
    description:
      'Which pushed tags roll the stack: `all`, `never` (manual only), `semver:major|minor|patch` (only a higher version in that range; add `+prerelease` to allow pre-releases), `glob:prod-*` or `regex:v[0-9]+` (the whole tag must match, RE2 syntax)',
  })
  @OptionalNotNull()
  @IsTagPolicy()
  tagPolicy?: string;

  @ApiPropertyOptional({
    example: 'c2b1f0e4a9d84e7b8f3d6a5c4b2e1f09',
    nullable: true,
    type: String,
    description:
      'Write-only secret shared with the registry (16-256 printable ASCII characters, no spaces): the HMAC key where the registry signs (GitHub, Gitea, Forgejo), the expected `Authorization` / `X-Webhook-Secret` header where it sends one (Harbor, Distribution, GitLab, Azure, Tencent). null removes it',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @Matches(SIGNING_SECRET_PATTERN, { message: 'signingSecret must be 16-256 printable ASCII characters without spaces' })
  signingSecret?: string | null;

  @ApiPropertyOptional({ example: false, default: false, description: 'true: a delivery without a valid signature or secret header is refused; the URL token alone is not enough' })
  @OptionalNotNull()
  @IsBoolean()
  requireSignature?: boolean;
}

export class CreateScriptDto extends WebhookSettingsDto {
  @ApiProperty({ example: 'halo', description: 'The swarm stack name: 1-30 of a-z 0-9 _ -, starting with a letter or digit; unique across all users' })
  @IsString()
  @Matches(STACK_NAME_RE, { message: 'serviceName must be 1-30 characters of a-z, 0-9, _ and -, starting with a letter or digit' })
  serviceName: string;

  @ApiProperty({ example: EXAMPLE_COMPOSE, description: 'A docker-compose file (YAML, at most 256 KiB) with a `services` map; every service needs an `image`' })
  @IsString()
  dockerComposeContent: string;

  @ApiPropertyOptional({ example: 1, enum: [0, 1], default: 0, description: '1: registry webhooks may roll this stack' })
  @OptionalNotNull()
  @IsInt()
  @IsIn([0, 1])
  isAutoUpdate?: number;
}

export class UpdateScriptDto extends WebhookSettingsDto {
  @ApiPropertyOptional({ example: EXAMPLE_COMPOSE })
  @OptionalNotNull()
  @IsString()
  dockerComposeContent?: string;

  @ApiPropertyOptional({ example: 0, enum: [0, 1] })
  @OptionalNotNull()
  @IsInt()
  @IsIn([0, 1])
  isAutoUpdate?: number;

  /** Accepted by validation only so the service can refuse it with its own clear error. */
  @ApiHideProperty()
  @IsOptional()
  serviceName?: unknown;
}

export class ScriptQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'halo', description: 'Substring of serviceName' })
  @IsOptional()
  @IsString()
  @MaxLength(30)
  serviceName?: string;

  @ApiPropertyOptional({ example: false, description: 'ADMIN only: every user’s scripts, not just your own (others’ autoUpdateUrl is null)' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({
    example: false,
    description: 'true: each script also carries its stack’s live state from docker (stack, stackError, as in the detail) and its lastDeployment',
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  state?: boolean;
}

export class DeleteScriptQueryDto {
  @ApiPropertyOptional({ example: false, description: 'Remove the stack from the swarm first when it is deployed' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  removeService?: boolean;
}

export class ComposeImageDto {
  @ApiProperty({ example: 'halo' })
  service: string;
  @ApiProperty({ example: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6' })
  image: string;
  @ApiProperty({ example: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', description: 'Normalised, without tag or digest' })
  repository: string;
}

/** The contract's SCRIPT object, plus userId, images and timestamps. */
export class ScriptDto {
  @ApiProperty({ example: 'halo' })
  serviceName: string;
  @ApiProperty({ example: EXAMPLE_COMPOSE })
  dockerComposeContent: string;
  @ApiProperty({
    example: [
      "rm -f '/var/lib/dds/stacks/halo/docker-compose.yml'",
      "mkdir -p '/var/lib/dds/stacks/halo'",
      `cat > '/var/lib/dds/stacks/halo/docker-compose.yml' <<'DDS_EOF'\n${EXAMPLE_COMPOSE}DDS_EOF`,
    ],
    description: 'Shell commands writing the compose file under DATA_DIR, shown for transparency',
  })
  baseStartScript: string[];
  @ApiProperty({ example: "docker stack deploy --with-registry-auth -c '/var/lib/dds/stacks/halo/docker-compose.yml' halo" })
  startScript: string;
  @ApiProperty({ example: 'docker stack rm halo' })
  downScript: string;
  @ApiProperty({ example: 'docker service update --with-registry-auth --image {0}:{1} halo_halo', description: '{0}: image, {1}: tag' })
  updateScript: string;
  @ApiProperty({ example: 25 })
  id: number;
  @ApiProperty({ example: 1, enum: [0, 1] })
  isAutoUpdate: number;
  @ApiProperty({
    example: 'http://localhost:8080/api/autoUpdate/1/halo?token=3q2-7wYj0r5m6J0n1s1i9cE4nGf8vX2kLpQzT0aBcDe',
    nullable: true,
    type: String,
    description: "The registry webhook URL with this script's secret token; null on other users' scripts",
  })
  autoUpdateUrl: string | null;
  @ApiProperty({ example: 'all', description: 'Which pushed tags roll the stack (see tagPolicy on create)' })
  tagPolicy: string;
  @ApiProperty({ example: false, description: 'Whether the URL token alone is refused' })
  requireSignature: boolean;
  @ApiProperty({ example: false, description: 'Whether a signing secret is set (the secret itself is never returned)' })
  hasSigningSecret: boolean;
  @ApiProperty({ example: 1 })
  userId: number;
  @ApiProperty({ type: [ComposeImageDto] })
  images: ComposeImageDto[];
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' })
  updatedAt: string;
}

/** One service of a deployed stack, as `docker stack services` shows it. */
export class StackServiceDto {
  @ApiProperty({ example: 'halo_halo', description: 'The swarm service: <stack>_<compose service>' })
  name: string;
  @ApiProperty({ example: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', description: 'The image the service spec runs' })
  image: string;
  @ApiProperty({ example: 'replicated', description: 'replicated or global' })
  mode: string;
  @ApiProperty({ example: 1, description: 'Tasks running now' })
  running: number;
  @ApiProperty({ example: 1, description: 'Tasks wanted' })
  desired: number;
}

/** The live state of a script's stack on the swarm. */
export class StackStateDto {
  @ApiProperty({ example: true, description: 'Whether the stack has any service on the swarm' })
  deployed: boolean;
  @ApiProperty({ type: [StackServiceDto], description: 'Empty when not deployed' })
  services: StackServiceDto[];
}

/** GET of one script: the SCRIPT plus its stack's live state, read from docker for this answer. */
export class ScriptDetailDto extends ScriptDto {
  @ApiProperty({
    type: StackStateDto,
    nullable: true,
    example: { deployed: true, services: [{ name: 'halo_halo', image: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', mode: 'replicated', running: 1, desired: 1 }] },
    description: 'From `docker stack services`; null when docker could not answer (see stackError)',
  })
  stack: StackStateDto | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why `stack` is null, e.g. "the Docker engine is not reachable: ..."; null when docker answered',
  })
  stackError: string | null;
}

export class ScriptPageDto extends Page<ScriptDto> {
  @ApiProperty({ type: [ScriptDto] })
  declare content: ScriptDto[];
}
