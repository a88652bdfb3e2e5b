/**
 * Unit tests: *.spec.ts next to the code. content-disposition (under @fastify/static) ships only ESM,
 * which plain CommonJS jest cannot load, so it is the one node_modules package transformed.
 */
const base = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }] },
  transformIgnorePatterns: ['^(?!.*/node_modules/content-disposition/).*/node_modules/'],
  testEnvironment: 'node',
};

module.exports = { ...base, roots: ['<rootDir>/src', '<rootDir>/migrations'], testRegex: '.*\\.spec\\.ts$', base };
