import { primaryService, swarmServiceName } from './stack-layout';

describe('stack services', () => {
  it('targets the service named like the stack, else the first', () => {
    expect(primaryService('halo', ['db', 'halo'])).toBe('halo');
    expect(primaryService('halo', ['web', 'db'])).toBe('web');
    expect(primaryService('halo', [])).toBeUndefined();
    expect(swarmServiceName('halo', 'web')).toBe('halo_web');
  });
});
