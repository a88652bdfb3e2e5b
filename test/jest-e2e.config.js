/** e2e: boots the real app over 127.0.0.1 against a real database (E2E_DB=sqlite|mariadb). */
const base = require('../jest.base');

module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
