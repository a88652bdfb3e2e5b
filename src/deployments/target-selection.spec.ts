import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { selectTargets } from './target-selection';

const images = [
  { service: 'halo', image: 'halohub/halo:1.4.6', repository: 'docker.io/halohub/halo' },
  { service: 'worker', image: 'docker.io/halohub/halo:1.4.6', repository: 'docker.io/halohub/halo' },
  { service: 'db', image: 'mysql:8', repository: 'docker.io/library/mysql' },
];

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AppError).error.code;
  }
  return 0;
};

describe('manual update target selection', () => {
  it('picks every service using the repository, compared normalised', () => {
    expect(selectTargets({ stack: 'halo', images, repository: 'halohub/halo' })).toEqual(['halo', 'worker']);
    expect(selectTargets({ stack: 'halo', images, repository: 'library/mysql' })).toEqual(['db']);
  });

  it('honours an explicit service that exists, refuses one that does not', () => {
    expect(selectTargets({ stack: 'halo', images, repository: 'halohub/halo', services: ['worker'] })).toEqual(['worker']);
    expect(codeOf(() => selectTargets({ stack: 'halo', images, repository: 'halohub/halo', services: ['nope'] }))).toBe(
      Errors.UNKNOWN_COMPOSE_SERVICE.code,
    );
  });

  it('falls back to the service named like the stack, and refuses when there is none', () => {
    const q = { stack: 'halo', images, repository: 'other/image' };
    expect(selectTargets(q)).toEqual(['halo']);
    expect(codeOf(() => selectTargets({ ...q, stack: 'blog' }))).toBe(Errors.NO_TARGET_SERVICE.code);
  });
});
