import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/current-user.decorator';
import { IdParam } from '../common/decorators/id-param.decorator';
import { ApiEnvelope, ApiErrors } from '../common/dto/envelope.dto';
import { Errors } from '../common/error-codes';
import { CreateRegistryCredentialDto, RegistryCredentialDto, UpdateRegistryCredentialDto } from './dto/registry-credential.dto';
import { RegistryCredentialsService } from './registry-credentials.service';

const CredentialId = () => IdParam({ name: 'id', notFound: Errors.REGISTRY_CREDENTIAL_NOT_FOUND });
const LOGIN_ERRORS = [Errors.REGISTRY_AUTH_FAILED, Errors.REGISTRY_UNREACHABLE, Errors.DOCKER_UNAVAILABLE];

@ApiTags('registries')
@ApiBearerAuth()
@Controller('web/user/registries')
export class RegistriesController {
  constructor(private readonly credentials: RegistryCredentialsService) {}

  @Get()
  @ApiOperation({ summary: 'Your registry credentials and the shared ones (passwords are never returned)' })
  @ApiEnvelope(RegistryCredentialDto, { isArray: true })
  @ApiErrors(Errors.UNAUTHENTICATED)
  list(@CurrentUser() user: AuthUser): Promise<RegistryCredentialDto[]> {
    return this.credentials.list(user);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Save a credential for a registry host. It is checked first with a real `docker login`; a refusal answers with the registry\'s reason. ' +
      'Deployments of your stacks then pull with it (create, update, webhook rollouts, digest lookups) on every node',
  })
  @ApiEnvelope(RegistryCredentialDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN, Errors.REGISTRY_CREDENTIAL_EXISTS, ...LOGIN_ERRORS)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateRegistryCredentialDto): Promise<RegistryCredentialDto> {
    return this.credentials.create(user, dto);
  }

  @Get(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'One credential: host, username, who saved it, its last use' })
  @ApiEnvelope(RegistryCredentialDto)
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.REGISTRY_CREDENTIAL_NOT_FOUND)
  get(@CurrentUser() user: AuthUser, @CredentialId() id: number): Promise<RegistryCredentialDto> {
    return this.credentials.get(user, id);
  }

  @Put(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'Replace the username and password (checked with a real login first); shared ones by an ADMIN only' })
  @ApiEnvelope(RegistryCredentialDto)
  @ApiErrors(Errors.VALIDATION_FAILED, Errors.UNAUTHENTICATED, Errors.FORBIDDEN, Errors.REGISTRY_CREDENTIAL_NOT_FOUND, ...LOGIN_ERRORS)
  update(@CurrentUser() user: AuthUser, @CredentialId() id: number, @Body() dto: UpdateRegistryCredentialDto): Promise<RegistryCredentialDto> {
    return this.credentials.update(user, id, dto);
  }

  @Delete(':id')
  @ApiParam({ name: 'id', example: 1 })
  @ApiOperation({ summary: 'Delete a credential; shared ones by an ADMIN only' })
  @ApiEnvelope()
  @ApiErrors(Errors.UNAUTHENTICATED, Errors.FORBIDDEN, Errors.REGISTRY_CREDENTIAL_NOT_FOUND)
  async delete(@CurrentUser() user: AuthUser, @CredentialId() id: number): Promise<void> {
    await this.credentials.delete(user, id);
  }
}
