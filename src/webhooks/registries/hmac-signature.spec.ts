import { createHmac } from 'node:crypto';
import { fixtureDelivery } from '../../../test/fixtures/webhooks/fixtures';
import { forgejo, gitea } from './gitea';
import { github } from './github';
import type { RegistryFormat } from './registry-format';

const SECRET = 'It’s a Secret to Everybody';
const hex = (bytes: Buffer | string, secret = SECRET) => createHmac('sha256', secret).update(bytes).digest('hex');

// Each signing registry, its header and how it writes the HMAC.
const SIGNERS: [RegistryFormat, string, string, (h: string) => string][] = [
  [github, 'github-package-published.json', 'x-hub-signature-256', (h) => `sha256=${h}`],
  [gitea, 'gitea-package-created.json', 'x-gitea-signature', (h) => h],
  [forgejo, 'forgejo-package-created.json', 'x-forgejo-signature', (h) => h],
];

describe.each(SIGNERS)('%s signature', (format, file, name, write) => {
  const signed = (value: string) => fixtureDelivery({ file, headers: {} }, { [name]: value });
  const delivery = fixtureDelivery({ file, headers: {} });

  it('is valid over the exact bytes received', () => {
    expect(format.verifySignature!(signed(write(hex(delivery.rawBody))), SECRET)).toBe('valid');
  });

  it('is invalid for the same JSON serialised differently', () => {
    const respaced = Buffer.from(JSON.stringify(delivery.body));
    expect(respaced.equals(delivery.rawBody)).toBe(false);
    const replay = { ...signed(write(hex(delivery.rawBody))), rawBody: respaced };
    expect(format.verifySignature!(replay, SECRET)).toBe('invalid');
  });

  it('is invalid with another secret', () => {
    expect(format.verifySignature!(signed(write(hex(delivery.rawBody, 'other'))), SECRET)).toBe('invalid');
  });

  it('is missing without the header, or with it empty (a hook without a secret)', () => {
    expect(format.verifySignature!(delivery, SECRET)).toBe('missing');
    expect(format.verifySignature!(signed(''), SECRET)).toBe('missing');
  });

  it.each([
    ['too short', (h: string) => h.slice(0, 63)],
    ['too long', (h: string) => `${h}00`],
    ['not hex', (h: string) => `${'zz'}${h.slice(2)}`],
    ['garbage', () => '../../etc/passwd'],
    ['an SHA-1 signature', () => 'a'.repeat(40)],
  ])('is invalid, without throwing, when %s', (_, mangle) => {
    expect(format.verifySignature!(signed(write(mangle(hex(delivery.rawBody)))), SECRET)).toBe('invalid');
  });

  it('is missing when the header is repeated (which copy counts cannot be told)', () => {
    const twice = { ...delivery, headers: { [name]: [write(hex(delivery.rawBody)), write(hex(delivery.rawBody))] } };
    expect(format.verifySignature!(twice, SECRET)).toBe('missing');
  });
});

it('GitHub wants the sha256= prefix', () => {
  const delivery = fixtureDelivery({ file: 'github-package-published.json', headers: {} });
  expect(github.verifySignature!({ ...delivery, headers: { 'x-hub-signature-256': hex(delivery.rawBody) } }, SECRET)).toBe('invalid');
});

it('Forgejo checks its own header, not the Gitea copy', () => {
  const delivery = fixtureDelivery({ file: 'forgejo-package-created.json', headers: {} });
  const h = hex(delivery.rawBody);
  expect(forgejo.verifySignature!({ ...delivery, headers: { 'x-gitea-signature': h } }, SECRET)).toBe('missing');
  expect(forgejo.verifySignature!({ ...delivery, headers: { 'x-forgejo-signature': h, 'x-gitea-signature': h } }, SECRET)).toBe('valid');
});
