/** Unit tests: *.spec.ts next to the code. */
module.exports = {
  ...require('./jest.base'),
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/migrations'],
  testRegex: '.*\\.spec\\.ts$',
};
