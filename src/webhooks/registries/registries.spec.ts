import { AppError } from '../../common/app-error';
import { Errors } from '../../common/error-codes';
import { fixtureDelivery, WEBHOOK_FIXTURES } from '../../../test/fixtures/webhooks/fixtures';
import { formatOf, REGISTRY_FORMATS } from '.';

/** Formats whose detector also (rightly) matches another's delivery; detection order settles these. */
const ALSO_DETECTS: Record<string, string[]> = {
  forgejo: ['gitea', 'github'], // Forgejo sends Gitea's and GitHub's headers too
  gitea: ['github'], // Gitea sends GitHub's headers too
  tencent: ['harbor'], // TCR is Harbor's shape on a tencentcloudcr.com host
};

function payloadError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).error).toBe(Errors.WEBHOOK_PAYLOAD_INVALID);
    return err as AppError;
  }
  throw new Error('expected WEBHOOK_PAYLOAD_INVALID');
}

describe.each(WEBHOOK_FIXTURES)('fixture $file', (fixture) => {
  const delivery = fixtureDelivery(fixture);

  it(`is detected as ${fixture.registry} and no other`, () => {
    expect(formatOf(delivery).id).toBe(fixture.registry);
    const detectedBy = REGISTRY_FORMATS.filter((f) => f.detect(delivery)).map((f) => f.id);
    expect(detectedBy.sort()).toEqual([fixture.registry, ...(ALSO_DETECTS[fixture.registry] ?? [])].sort());
  });

  it(fixture.pushes ? 'parses to its pushes' : `is ignored: ${fixture.ignored}`, () => {
    const parsed = formatOf(delivery).parse(delivery);
    expect(parsed.deliveryId).toBe(fixture.deliveryId);
    if (fixture.pushes) {
      expect(parsed.ignored).toBeUndefined();
      expect(parsed.pushes.map(({ path, repository, tag, digest }) => ({ path, repository, tag, ...(digest ? { digest } : {}) }))).toEqual(fixture.pushes);
      expect(parsed.pushes.every((p) => p.registry === fixture.registry)).toBe(true);
    } else {
      expect(parsed).toEqual({ pushes: [], ignored: fixture.ignored, deliveryId: fixture.deliveryId });
    }
  });
});

describe('formatOf', () => {
  const harborPush = fixtureDelivery({ file: 'harbor-push.json', headers: {} });

  it('lets ?source= force a format, even against the shape', () => {
    expect(formatOf(harborPush, 'tencent').id).toBe('tencent');
    expect(formatOf(harborPush, 'tencent').parse(harborPush).pushes[0]).toMatchObject({ registry: 'tencent', repository: 'harbor.acme.io/shop/api' });
    // A forced format that does not fit the body says which field it misses.
    expect(payloadError(() => formatOf(harborPush, 'aliyun').parse(harborPush)).detail?.en).toContain('repository.region');
  });

  it('treats an empty ?source= as not given', () => {
    expect(formatOf(harborPush, '').id).toBe('harbor');
  });

  it('refuses an unknown ?source= and lists the ids', () => {
    const err = payloadError(() => formatOf(harborPush, 'gitlab'));
    expect(err.detail?.en).toContain('unknown source "gitlab"');
    for (const f of REGISTRY_FORMATS) expect(err.detail?.en).toContain(f.id);
  });

  it.each([[null], ['x'], [[]], [{}], [{ hello: 1 }], [{ events: 'nope' }]])('refuses %j with a 400 naming the formats understood', (body) => {
    const err = payloadError(() => formatOf({ headers: {}, body, rawBody: Buffer.from(JSON.stringify(body)) }));
    expect(err.detail?.en).toContain('unrecognised registry payload');
    for (const f of REGISTRY_FORMATS) expect(err.detail?.en).toContain(f.label);
  });

  it('answers within the documented time where the vendor documents one', () => {
    expect(Object.fromEntries(REGISTRY_FORMATS.map((f) => [f.id, f.answerWithinMs]))).toEqual({
      forgejo: 5_000,
      gitea: 5_000,
      github: 10_000,
      tencent: 3_000,
      harbor: 3_000,
      distribution: 1_000,
      azure: undefined,
      quay: 10_000,
      aliyun: undefined,
      dockerhub: undefined,
    });
    for (const f of REGISTRY_FORMATS) {
      expect(typeof f.verifySignature === 'function').toBe(f.proof === 'signature');
    }
    expect(new Set(REGISTRY_FORMATS.map((f) => f.id)).size).toBe(10);
  });
});
