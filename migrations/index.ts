import { CreateUsersAndSessions1764000000000 } from './1764000000000-CreateUsersAndSessions';

/** Every migration, in order. Listed explicitly so ts-jest and the compiled app load the same set. */
export const ALL_MIGRATIONS = [CreateUsersAndSessions1764000000000];
