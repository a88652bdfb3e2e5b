import { ConfigError } from './env';
import { loadTenancyConfig } from './tenancy.config';

describe('loadTenancyConfig', () => {
  it('has safe defaults', () => {
    expect(loadTenancyConfig({})).toEqual({ reservedStackNames: [], sharedNetworks: [], userPortRange: { min: 30000, max: 32767 }, userMaxReplicas: 20, userMaxStacks: 50 });
  });

  it('reads lists and ranges', () => {
    const c = loadTenancyConfig({ RESERVED_STACK_NAMES: 'dds, traefik ,dds', USER_NETWORKS: 'traefik-public', USER_PORT_RANGE: '8000-8999', USER_MAX_REPLICAS: '5', USER_MAX_STACKS: '2' });
    expect(c).toEqual({ reservedStackNames: ['dds', 'traefik'], sharedNetworks: ['traefik-public'], userPortRange: { min: 8000, max: 8999 }, userMaxReplicas: 5, userMaxStacks: 2 });
  });

  it.each([
    [{ USER_PORT_RANGE: '9000-8000' }, /USER_PORT_RANGE/],
    [{ USER_PORT_RANGE: '0-10' }, /USER_PORT_RANGE/],
    [{ USER_PORT_RANGE: '80' }, /USER_PORT_RANGE/],
    [{ RESERVED_STACK_NAMES: 'Bad Name' }, /RESERVED_STACK_NAMES: "Bad Name"/],
    [{ USER_NETWORKS: '-x' }, /USER_NETWORKS/],
    [{ USER_MAX_STACKS: '0' }, /USER_MAX_STACKS/],
  ])('refuses %j', (env, message) => {
    expect(() => loadTenancyConfig(env)).toThrow(ConfigError);
    expect(() => loadTenancyConfig(env)).toThrow(message);
  });
});
