/** Unit tests: *.spec.ts next to the code (the dashboard's plain-TypeScript helpers and the e2e harness's guards too). */
module.exports = {
  ...require('./jest.base'),
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/migrations', '<rootDir>/web/src', '<rootDir>/test/support'],
  testRegex: '.*\\.spec\\.ts$',
};
