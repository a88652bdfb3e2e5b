import { composeFilePath, stackDirectory } from './stack-files';

describe('stack files', () => {
  it('puts the compose file at DATA_DIR/stacks/<name>/docker-compose.yml and refuses to build a path from a bad name', () => {
    expect(stackDirectory('/var/lib/dds', 'halo')).toBe('/var/lib/dds/stacks/halo');
    expect(composeFilePath('/var/lib/dds', 'halo')).toBe('/var/lib/dds/stacks/halo/docker-compose.yml');
    expect(() => composeFilePath('/var/lib/dds', '../../etc')).toThrow(/invalid stack name/);
  });
});
