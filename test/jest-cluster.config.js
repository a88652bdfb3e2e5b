/**
 * The multi-node suite (npm run test:cluster): three Docker engines in network namespaces of their own,
 * joined as one swarm, with the control plane deployed on them from deploy/stack.mysql.yml. Needs root.
 * The images are built once (global setup); each file starts and removes its own cluster.
 */
const base = require('../jest.base');

module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/test/cluster'],
  testRegex: '.*\\.cluster-spec\\.ts$',
  testTimeout: 300000,
  // Tells the scenarios' afterEach that a test failed, timeouts included, so it prints the cluster's state.
  testEnvironment: '<rootDir>/test/cluster/support/environment.ts',
  // A scenario that times out leaves its polling loop running against a cluster already removed: exit
  // once the results are in rather than wait for it.
  forceExit: true,
  globalSetup: '<rootDir>/test/cluster/support/global-setup.ts',
};
