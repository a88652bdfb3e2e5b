/** Unit tests: *.spec.ts next to the code (the dashboard's plain-TypeScript helpers too). */
module.exports = {
  ...require('./jest.base'),
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/migrations', '<rootDir>/web/src'],
  testRegex: '.*\\.spec\\.ts$',
};
