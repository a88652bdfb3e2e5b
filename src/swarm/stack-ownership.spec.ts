import { judgeOwnership, LabelledResource } from './stack-ownership';

const ours = (script: number, owner = 3): Record<string, string> => ({ 'dds.installation': 'inst1', 'dds.script': String(script), 'dds.owner': String(owner) });
const svc = (name: string, labels: Record<string, string> = {}): LabelledResource => ({ name, labels });
const claim = { installation: 'inst1', scriptId: 7, ownerId: 3 };

describe('judgeOwnership', () => {
  it('is absent with nothing on the swarm, owned when every service carries this installation and script', () => {
    expect(judgeOwnership('app', { services: [], volumes: [] }, claim)).toEqual({ kind: 'absent' });
    expect(judgeOwnership('app', { services: [svc('app_web', ours(7)), svc('app_db', ours(7))], volumes: [] }, claim)).toEqual({ kind: 'owned', services: ['app_web', 'app_db'] });
  });

  it.each([
    ['deployed by hand', {}, 'app_web (deployed outside this service)'],
    ['another installation', { ...ours(7), 'dds.installation': 'other' }, 'app_web (deployed by another installation of this service)'],
    ['another script', ours(8), 'app_web (belongs to script 8)'],
  ])('calls a stack with a service %s foreign, and says whose', (_, labels, says) => {
    const verdict = judgeOwnership('app', { services: [svc('app_db', ours(7)), svc('app_web', labels)], volumes: [] }, claim);
    expect(verdict).toEqual({ kind: 'foreign', services: ['app_db', 'app_web'], reason: `stack app runs services that are not this script's: ${says}` });
  });

  it('treats any existing service as foreign to a script not saved yet', () => {
    expect(judgeOwnership('app', { services: [svc('app_web', ours(7))], volumes: [] }, { installation: 'inst1', ownerId: 3 }).kind).toBe('foreign');
  });

  it("lets services decide while there are any; without them, leftover volumes must be this user's", () => {
    const foreignVolume = svc('app_data', { 'dds.installation': 'inst1', 'dds.owner': '4' });
    expect(judgeOwnership('app', { services: [svc('app_web', ours(7))], volumes: [foreignVolume] }, claim).kind).toBe('owned');
    expect(judgeOwnership('app', { services: [], volumes: [foreignVolume] }, claim)).toEqual({
      kind: 'foreign',
      services: [],
      reason: 'stack app left volumes that are not yours: app_data (belongs to another user)',
    });
    expect(judgeOwnership('app', { services: [], volumes: [svc('app_data')] }, claim).kind).toBe('foreign');
    const mine = svc('app_data', { 'dds.installation': 'inst1', 'dds.owner': '3' });
    expect(judgeOwnership('app', { services: [], volumes: [mine] }, { installation: 'inst1', ownerId: 3 })).toEqual({ kind: 'absent' });
  });
});
