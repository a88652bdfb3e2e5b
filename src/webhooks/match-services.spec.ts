import { fixtureDelivery } from '../../test/fixtures/webhooks/fixtures';
import { matchServices } from './match-services';
import { formatOf } from './registries';

/** The push of the Alibaba Cloud ACR example from the contract (its parser's own tests: registries/parsers.spec.ts). */
const aliyunPush = () => {
  const delivery = fixtureDelivery({ file: 'aliyun-acr-personal.json', headers: {} });
  return formatOf(delivery).parse(delivery).pushes[0];
};

const images = (...list: [string, string][]) => list.map(([service, image]) => ({ service, image, repository: '' }));

describe('matchServices', () => {
  it('rolls the service running the pushed repository, keeping the compose host', () => {
    const targets = matchServices(
      images(
        ['halo', 'registry-vpc.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6'],
        ['db', 'mariadb:10'],
        ['worker', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo@sha256:' + 'c'.repeat(64)],
      ),
      aliyunPush(),
    );
    expect(targets).toEqual([
      { service: 'halo', repository: 'registry-vpc.cn-shanghai.aliyuncs.com/pongsky/halo' },
      { service: 'worker', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo' },
    ]);
  });

  it.each([
    ['another repository', 'registry.cn-shanghai.aliyuncs.com/pongsky/other:1'],
    ['another namespace', 'registry.cn-shanghai.aliyuncs.com/evil/halo:1'],
    ['another region', 'registry.cn-hangzhou.aliyuncs.com/pongsky/halo:1'],
    ['another host with the same path', 'evil.example.com/pongsky/halo:1'],
    ['Docker Hub with the same path', 'pongsky/halo:1'],
    ['a nested path', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo/sub:1'],
    ['an unparsable image', '${IMAGE}'],
  ])('matches nothing for %s', (_, image) => {
    expect(matchServices(images(['svc', image]), aliyunPush())).toEqual([]);
  });
});
