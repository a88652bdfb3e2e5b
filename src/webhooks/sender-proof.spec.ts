import { createHmac } from 'node:crypto';
import { Errors } from '../common/error-codes';
import { IncomingDelivery, RegistryFormat } from './registries/registry-format';
import { checkProof, ProofRefused } from './sender-proof';

const SECRET = 'a-signing-secret-of-32-characters';
const body = Buffer.from('{"action":"published"}');

function format(proof: RegistryFormat['proof']): RegistryFormat {
  return {
    id: proof === 'signature' ? 'github' : proof === 'header' ? 'harbor' : 'dockerhub',
    label: `a ${proof} registry`,
    proof,
    answerWithinMs: 10_000,
    detect: () => true,
    parse: () => ({ pushes: [] }),
    ...(proof === 'signature' && {
      verifySignature: (d: IncomingDelivery, secret: string) => {
        const sent = d.headers['x-hub-signature-256'];
        if (typeof sent !== 'string') return 'missing' as const;
        return sent === `sha256=${createHmac('sha256', secret).update(d.rawBody).digest('hex')}` ? ('valid' as const) : ('invalid' as const);
      },
    }),
  };
}

const delivery = (headers: Record<string, string> = {}): IncomingDelivery => ({ headers, body: JSON.parse(body.toString()), rawBody: body });
const signed = (secret = SECRET) => delivery({ 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` });

function refusal(run: () => unknown): { decision: string; proof: string; code: number } {
  try {
    run();
  } catch (err) {
    if (err instanceof ProofRefused) return { decision: err.decision, proof: err.proof, code: err.error.code };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('checkProof', () => {
  describe('a registry that signs', () => {
    it('accepts a valid signature once a secret is set', () => {
      expect(checkProof(format('signature'), signed(), SECRET, false)).toBe('signature');
    });

    it('refuses a wrong or missing signature once a secret is set, required or not', () => {
      expect(refusal(() => checkProof(format('signature'), signed('another-secret-of-some-length'), SECRET, false))).toEqual({
        decision: 'bad_signature',
        proof: 'invalid',
        code: Errors.WEBHOOK_SIGNATURE_INVALID.code,
      });
      expect(refusal(() => checkProof(format('signature'), delivery(), SECRET, false))).toEqual({
        decision: 'signature_required',
        proof: 'missing',
        code: Errors.WEBHOOK_SIGNATURE_REQUIRED.code,
      });
    });

    it('rests on the URL token when no secret is set', () => {
      expect(checkProof(format('signature'), signed(), null, false)).toBe('token');
    });
  });

  describe('a registry that sends a configured header', () => {
    it.each([
      ['x-webhook-secret', SECRET],
      ['authorization', SECRET],
      ['authorization', `Bearer ${SECRET}`],
    ])('accepts the secret in %s', (name, value) => {
      expect(checkProof(format('header'), delivery({ [name]: value }), SECRET, true)).toBe('header');
    });

    it('refuses a header that does not hold the secret', () => {
      expect(refusal(() => checkProof(format('header'), delivery({ authorization: 'Bearer wrong-secret-of-some-length' }), SECRET, false))).toMatchObject({
        decision: 'bad_signature',
      });
      expect(refusal(() => checkProof(format('header'), delivery({ 'x-webhook-secret': SECRET.slice(1) }), SECRET, false))).toMatchObject({ decision: 'bad_signature' });
    });

    it('accepts a delivery without the header on the URL token, unless proof is required', () => {
      expect(checkProof(format('header'), delivery(), SECRET, false)).toBe('token');
      expect(refusal(() => checkProof(format('header'), delivery(), SECRET, true))).toMatchObject({ decision: 'signature_required', proof: 'missing' });
    });
  });

  describe('a registry that has only the URL token', () => {
    it('is accepted unless proof is required', () => {
      expect(checkProof(format('token'), delivery({ 'x-webhook-secret': 'ignored' }), SECRET, false)).toBe('token');
      const refused = refusal(() => checkProof(format('token'), delivery(), SECRET, true));
      expect(refused).toMatchObject({ decision: 'signature_required', code: Errors.WEBHOOK_SIGNATURE_REQUIRED.code });
    });
  });
});
