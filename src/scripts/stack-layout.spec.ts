import { composeFilePath, isValidServiceName, primaryService, stackDirectory, swarmServiceName } from './stack-layout';

describe('stack names and layout', () => {
  it.each([['halo'], ['a'], ['0'], ['my-app_2'], ['a'.repeat(30)], ['9lives']])('accepts %j', (name) => {
    expect(isValidServiceName(name)).toBe(true);
  });

  it.each([[''], ['Halo'], ['-halo'], ['_halo'], ['a'.repeat(31)], ['ha lo'], ['ha.lo'], ['../x'], ['halo\n'], ['名字'], [42], [undefined]])('refuses %j', (name) => {
    expect(isValidServiceName(name)).toBe(false);
  });

  it('puts the compose file at DATA_DIR/stacks/<name>/docker-compose.yml and refuses to build a path from a bad name', () => {
    expect(stackDirectory('/var/lib/dds', 'halo')).toBe('/var/lib/dds/stacks/halo');
    expect(composeFilePath('/var/lib/dds', 'halo')).toBe('/var/lib/dds/stacks/halo/docker-compose.yml');
    expect(() => composeFilePath('/var/lib/dds', '../../etc')).toThrow(/invalid stack name/);
  });

  it('targets the service named like the stack, else the first', () => {
    expect(primaryService('halo', ['db', 'halo'])).toBe('halo');
    expect(primaryService('halo', ['web', 'db'])).toBe('web');
    expect(primaryService('halo', [])).toBeUndefined();
    expect(swarmServiceName('halo', 'web')).toBe('halo_web');
  });
});
