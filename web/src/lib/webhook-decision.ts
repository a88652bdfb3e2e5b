import { statusTone, Tone } from './outcome';
import type { WebhookDelivery } from './types';

const REFUSED: readonly string[] = ['bad_token', 'bad_signature', 'signature_required', 'invalid_payload', 'failed'];
const NOT_ROLLED: readonly string[] = ['refused_by_policy', 'no_match', 'auto_update_off'];

/** The colour of a delivery's outcome: a roll takes its deployment's, a refused sender is an error, a push that rolled nothing a warning. */
export function decisionTone(d: Pick<WebhookDelivery, 'decision' | 'deploymentStatus'>): Tone {
  if (d.decision === 'deployed') return d.deploymentStatus ? (statusTone(d.deploymentStatus) === 'default' ? 'info' : statusTone(d.deploymentStatus)) : 'success';
  if (REFUSED.includes(d.decision)) return 'error';
  if (NOT_ROLLED.includes(d.decision)) return 'warning';
  return 'default';
}
