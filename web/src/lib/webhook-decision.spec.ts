import { decisionTone } from './webhook-decision';

describe('decisionTone', () => {
  it('colours a roll by its deployment', () => {
    expect(decisionTone({ decision: 'deployed', deploymentStatus: 'succeeded' })).toBe('success');
    expect(decisionTone({ decision: 'deployed', deploymentStatus: 'rolled_back' })).toBe('warning');
    expect(decisionTone({ decision: 'deployed', deploymentStatus: 'queued' })).toBe('info');
    expect(decisionTone({ decision: 'deployed', deploymentStatus: null })).toBe('success');
  });

  it('tells a refused sender from a push that rolled nothing', () => {
    expect(decisionTone({ decision: 'bad_signature', deploymentStatus: null })).toBe('error');
    expect(decisionTone({ decision: 'invalid_payload', deploymentStatus: null })).toBe('error');
    expect(decisionTone({ decision: 'refused_by_policy', deploymentStatus: null })).toBe('warning');
    expect(decisionTone({ decision: 'ignored', deploymentStatus: null })).toBe('default');
  });
});
