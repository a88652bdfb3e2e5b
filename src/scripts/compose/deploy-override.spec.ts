import { parse } from 'yaml';
import { parseComposeFile } from './compose-file';
import { buildDeployOverride, stackSecretRefs, supportsStackSecrets } from './deploy-override';

const LABELS = { 'dds.installation': 'i1', 'dds.script': '7', 'dds.owner': '3' };
const VOLUME_LABELS = { 'dds.installation': 'i1', 'dds.owner': '3' };

describe('buildDeployOverride', () => {
  it('labels every service and own volume, keeps the version, and points stack secrets at their swarm secret', () => {
    const compose = parseComposeFile(
      [
        'version: "3.8"',
        'services:',
        '  web: {image: nginx:1, secrets: [db]}',
        '  worker: {image: busybox:1}',
        'volumes:',
        '  data:',
        '  cache: {driver: local}',
        '  shared: {external: true, name: other_data}',
        '  named: {name: app_named}',
        'secrets:',
        '  db: {external: true}',
      ].join('\n'),
    );
    const override = parse(buildDeployOverride(compose, { serviceLabels: LABELS, volumeLabels: VOLUME_LABELS, secrets: { db: 'app_db_0a1b2c3d' } }));
    expect(override).toEqual({
      version: '3.8',
      services: { web: { deploy: { labels: LABELS } }, worker: { deploy: { labels: LABELS } } },
      volumes: { data: { labels: VOLUME_LABELS }, cache: { labels: VOLUME_LABELS } },
      secrets: { db: { external: true, name: 'app_db_0a1b2c3d' } },
    });
  });

  it('declares no version when the file declares none, and no volumes or secrets it does not need', () => {
    const override = parse(buildDeployOverride(parseComposeFile('services:\n  web: {image: nginx:1}\n'), { serviceLabels: LABELS, volumeLabels: VOLUME_LABELS, secrets: {} }));
    expect(override).toEqual({ services: { web: { deploy: { labels: LABELS } } } });
  });
});

describe('stackSecretRefs and supportsStackSecrets', () => {
  it('finds external secrets whose name is a stack secret, in every spelling', () => {
    const compose = parseComposeFile(
      ['services:', '  web: {image: nginx:1}', 'secrets:', '  db: {external: true}', '  api: {external: true, name: api_key}', '  old: {external: {name: token}}', '  other: {external: true}', '  file: {file: ./x}'].join('\n'),
    );
    expect(stackSecretRefs(compose, ['db', 'api_key', 'token'])).toEqual({ db: 'db', api: 'api_key', old: 'token' });
    expect(stackSecretRefs(compose, [])).toEqual({});
  });

  it.each([
    ['', true],
    ['version: "3.5"\n', true],
    ['version: "3.8"\n', true],
    ['version: "3"\n', false],
    ['version: "3.4"\n', false],
  ])('%j supports stack secrets: %s', (version, ok) => {
    expect(supportsStackSecrets(parseComposeFile(`${version}services:\n  web: {image: nginx:1}\n`))).toBe(ok);
  });
});
