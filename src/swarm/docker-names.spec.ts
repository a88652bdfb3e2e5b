import * as dockerNames from './docker-names';
import { assertStackName, InvalidDockerArgumentError, isStackName, isSwarmServiceName } from './docker-names';

describe('docker names', () => {
  it.each(['--help', '-d', '$(id)', 'a b', 'a\nb', 'a;b', '', 'x'.repeat(300), 'a\0b', '../etc'])('refuses hostile value %j', (v) => {
    expect(isStackName(v)).toBe(false);
    expect(isSwarmServiceName(v)).toBe(false);
    expect(() => assertStackName(v)).toThrow(InvalidDockerArgumentError);
  });

  it('stack names: lowercase, start alphanumeric, at most 30', () => {
    expect(isStackName('halo')).toBe(true);
    expect(isStackName('a'.repeat(30))).toBe(true);
    expect(isStackName('a'.repeat(31))).toBe(false);
    expect(isStackName('Halo')).toBe(false);
    expect(isStackName('_halo')).toBe(false);
  });

  it.each([['halo'], ['a'], ['0'], ['my-app_2'], ['a'.repeat(30)], ['9lives']])('accepts the stack name %j', (name) => {
    expect(isStackName(name)).toBe(true);
  });

  it.each([[''], ['Halo'], ['-halo'], ['_halo'], ['a'.repeat(31)], ['ha lo'], ['ha.lo'], ['../x'], ['halo\n'], ['名字'], [42], [undefined]])('refuses the stack name %j', (name) => {
    expect(isStackName(name)).toBe(false);
  });

  it('defines each pattern once, under one name', () => {
    const names = new Map<string, string[]>();
    for (const [name, value] of Object.entries(dockerNames)) {
      if (value instanceof RegExp) names.set(String(value), [...(names.get(String(value)) ?? []), name]);
    }
    expect([...names.values()].filter((same) => same.length > 1)).toEqual([]);
  });
});
