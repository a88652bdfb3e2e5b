import { candidateStacks } from './policy-context';

describe('candidateStacks', () => {
  it('lists every stack a swarm object name could belong to', () => {
    expect(candidateStacks('app_data')).toEqual(['app']);
    expect(candidateStacks('a_b_data')).toEqual(['a', 'a_b']);
    expect(candidateStacks('traefik-public')).toEqual([]);
    expect(candidateStacks('_x')).toEqual([]);
  });
});
