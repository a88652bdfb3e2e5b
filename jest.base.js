/**
 * Shared jest settings. content-disposition (under @fastify/static) ships only ESM, which plain
 * CommonJS jest cannot load, so it is the one node_modules package transformed.
 */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }] },
  transformIgnorePatterns: ['^(?!.*/node_modules/content-disposition/).*/node_modules/'],
  testEnvironment: 'node',
};
