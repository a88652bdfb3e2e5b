/** e2e: boots the real app over 127.0.0.1 against a real database (E2E_DB=sqlite|mariadb). */
const base = require('../jest.base');

module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  // The image test builds and deploys the container (its own SQLite inside): once per npm test is enough.
  // The dashboard drives a browser against the same API: once per npm test too (SQLite).
  // The replicas and database-faults tests need one database shared by two processes, which SQLite (a
  // local file, one instance) is not.
  testPathIgnorePatterns:
    process.env.E2E_DB === 'mariadb'
      ? ['/node_modules/', 'packaging\\.e2e-spec\\.ts$', 'dashboard\\.e2e-spec\\.ts$']
      : ['/node_modules/', 'replicas\\.e2e-spec\\.ts$', 'database-faults\\.e2e-spec\\.ts$'],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
