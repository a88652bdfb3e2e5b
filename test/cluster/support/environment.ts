import type { Circus } from '@jest/types';
import NodeEnvironment from 'jest-environment-node';

/**
 * Node's test environment, telling the cluster scenarios' afterEach whether the test failed. Jest
 * offers no such flag, and expect's assertion counts miss a thrown error or a timeout: the failures
 * whose swarm and control plane state is most needed to read them.
 */
export default class ClusterEnvironment extends NodeEnvironment {
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name === 'test_start') this.global.clusterTestFailed = false;
    if (event.name === 'test_fn_failure') this.global.clusterTestFailed = true;
  }
}
