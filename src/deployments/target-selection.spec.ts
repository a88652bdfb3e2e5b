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

describe('update target selection', () => {
  it('picks every service using the repository, compared normalised', () => {
    expect(selectTargets({ stack: 'halo', images, repository: 'halohub/halo', fallbackToStackService: true })).toEqual(['halo', 'worker']);
    expect(selectTargets({ stack: 'halo', images, repository: 'library/mysql', fallbackToStackService: false })).toEqual(['db']);
  });

  it('honours an explicit service that exists, refuses one that does not', () => {
    expect(selectTargets({ stack: 'halo', images, repository: 'halohub/halo', services: ['worker'], fallbackToStackService: true })).toEqual(['worker']);
    expect(codeOf(() => selectTargets({ stack: 'halo', images, repository: 'halohub/halo', services: ['nope'], fallbackToStackService: true }))).toBe(
      Errors.UNKNOWN_COMPOSE_SERVICE.code,
    );
  });

  it('falls back to the service named like the stack for manual updates only', () => {
    const q = { stack: 'halo', images, repository: 'other/image' };
    expect(selectTargets({ ...q, fallbackToStackService: true })).toEqual(['halo']);
    expect(codeOf(() => selectTargets({ ...q, fallbackToStackService: false }))).toBe(Errors.NO_TARGET_SERVICE.code);
    expect(codeOf(() => selectTargets({ ...q, stack: 'blog', fallbackToStackService: true }))).toBe(Errors.NO_TARGET_SERVICE.code);
  });
});
