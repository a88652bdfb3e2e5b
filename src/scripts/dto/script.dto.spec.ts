import { fieldsRefused } from '../../common/validation.testing';
import { CreateScriptDto, UpdateScriptDto } from './script.dto';

const COMPOSE = 'services:\n  web:\n    image: alpine:3\n';

describe('script DTOs', () => {
  // Found by test/fuzz.e2e-spec.ts: @IsOptional let null through to a NOT NULL column, or to the compose parser (500).
  it.each(['tagPolicy', 'requireSignature', 'isAutoUpdate'])('refuses an explicit null %s on create', async (field) => {
    await expect(fieldsRefused(CreateScriptDto, { serviceName: 'halo', dockerComposeContent: COMPOSE, [field]: null })).resolves.toEqual([field]);
  });

  it.each(['tagPolicy', 'requireSignature', 'isAutoUpdate', 'dockerComposeContent'])('refuses an explicit null %s on update', async (field) => {
    await expect(fieldsRefused(UpdateScriptDto, { [field]: null })).resolves.toEqual([field]);
  });

  it('still takes a null signingSecret (it removes the secret) and fields left out', async () => {
    await expect(fieldsRefused(UpdateScriptDto, { signingSecret: null })).resolves.toEqual([]);
    await expect(fieldsRefused(UpdateScriptDto, {})).resolves.toEqual([]);
    await expect(fieldsRefused(CreateScriptDto, { serviceName: 'halo', dockerComposeContent: COMPOSE })).resolves.toEqual([]);
  });
});
