import { fieldsRefused } from '../../common/validation.testing';
import { CreateChannelDto, UpdateChannelDto } from './channel.dto';


describe('channel DTOs', () => {
  // Found by test/fuzz.e2e-spec.ts: the create DTO inherited the update's "optional" name and met the NOT NULL column (500).
  it('needs a name on create, and refuses null or an empty one', async () => {
    const target = { type: 'webhook', url: 'http://127.0.0.1:9/hook' };
    await expect(fieldsRefused(CreateChannelDto, target)).resolves.toEqual(['name']);
    await expect(fieldsRefused(CreateChannelDto, { ...target, name: null })).resolves.toEqual(['name']);
    await expect(fieldsRefused(CreateChannelDto, { ...target, name: '' })).resolves.toEqual(['name']);
    await expect(fieldsRefused(CreateChannelDto, { ...target, name: 'ops' })).resolves.toEqual([]);
  });

  it('leaves the name optional on update, but not nullable', async () => {
    await expect(fieldsRefused(UpdateChannelDto, { isDefault: true })).resolves.toEqual([]);
    await expect(fieldsRefused(UpdateChannelDto, { name: null })).resolves.toEqual(['name']);
    await expect(fieldsRefused(UpdateChannelDto, { name: 'x'.repeat(65) })).resolves.toEqual(['name']);
  });
});
