import { loadRegistriesConfig } from './registries.config';
import { loadSecretsConfig } from './secrets.config';

describe('SECRETS_KEY', () => {
  const hex = 'ab'.repeat(32);
  const base64 = Buffer.alloc(32, 7).toString('base64');

  it('accepts 32 bytes as hex or base64, and older keys for rotation', () => {
    expect(loadSecretsConfig({ SECRETS_KEY: hex }).key).toEqual(Buffer.from(hex, 'hex'));
    const config = loadSecretsConfig({ SECRETS_KEY: base64, SECRETS_KEY_PREVIOUS: `${hex}, ${base64}` });
    expect(config.key).toEqual(Buffer.alloc(32, 7));
    expect(config.previousKeys).toHaveLength(2);
  });

  it.each(['short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64'), 'changeme'])('refuses %p with a message naming the variable', (key) => {
    expect(() => loadSecretsConfig({ SECRETS_KEY: key })).toThrow(/SECRETS_KEY must be 32 bytes/);
  });

  it('refuses a bad earlier key without showing it', () => {
    const load = () => loadSecretsConfig({ SECRETS_KEY: hex, SECRETS_KEY_PREVIOUS: `${hex},not-a-key` });
    expect(load).toThrow('SECRETS_KEY_PREVIOUS must be a comma-separated list of keys, each 32 bytes');
    expect(load).not.toThrow(/not-a-key/);
  });

  it('is required in production', () => {
    expect(() => loadSecretsConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })).toThrow(/SECRETS_KEY \(or SECRETS_KEY_FILE\) is required/);
  });
});

describe('registries config', () => {
  it('pins digests by default and reads insecure registries', () => {
    expect(loadRegistriesConfig({})).toEqual({ pinDigests: true, timeoutMs: 15_000, insecureHosts: [] });
    expect(loadRegistriesConfig({ PIN_DIGESTS: 'false', INSECURE_REGISTRIES: 'Registry.lan:5000, 10.0.0.5' })).toMatchObject({ pinDigests: false, insecureHosts: ['registry.lan:5000', '10.0.0.5'] });
    expect(() => loadRegistriesConfig({ INSECURE_REGISTRIES: 'http://x/y' })).toThrow(/INSECURE_REGISTRIES/);
  });
});
