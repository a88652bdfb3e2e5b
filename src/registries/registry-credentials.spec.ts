import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { loadRegistriesConfig } from '../config/registries.config';
import { SecretCipher } from '../encryption/secret-cipher';
import { DockerAuth } from '../swarm/docker-auth';
import { User } from '../users/entities/user.entity';
import { RegistryCredential } from './entities/registry-credential.entity';
import { RegistryCredentialsService } from './registry-credentials.service';

const cipher = new SecretCipher({ key: randomBytes(32), previousKeys: [] });

function row(id: number, scope: RegistryCredential['scope'], host: string, password: string): RegistryCredential {
  return { id, scope, userId: scope === 'shared' ? null : Number(scope.slice(5)), host, username: `u${id}`, passwordEncrypted: cipher.encrypt(password, `registry-credential:${scope}:${host}`) } as RegistryCredential;
}

function serviceWith(rows: RegistryCredential[]) {
  // The query is the database's job; what is tested here is the choice among the rows it returns.
  const repo = { find: jest.fn().mockResolvedValue(rows) } as unknown as Repository<RegistryCredential>;
  return new RegistryCredentialsService(repo, {} as Repository<User>, cipher, {} as DockerAuth, loadRegistriesConfig({}));
}

describe('RegistryCredentialsService.loginsFor', () => {
  it("prefers the user's own credential over a shared one for the same host", async () => {
    const s = serviceWith([row(1, 'shared', 'ghcr.io', 'org'), row(2, 'user:7', 'ghcr.io', 'mine')]);
    await expect(s.loginsFor(7, ['ghcr.io'])).resolves.toEqual({ logins: [{ host: 'ghcr.io', username: 'u2', password: 'mine' }], credentialIds: [2] });
  });

  it('uses a shared one when the user has none, and leaves hosts without any out', async () => {
    const s = serviceWith([row(1, 'shared', 'ghcr.io', 'org')]);
    await expect(s.loginsFor(7, ['ghcr.io', 'docker.io', 'ghcr.io'])).resolves.toEqual({ logins: [{ host: 'ghcr.io', username: 'u1', password: 'org' }], credentialIds: [1] });
  });

  it('logs in to an ACR VPC endpoint with the credential saved for its public endpoint, under the host the image names', async () => {
    const s = serviceWith([row(3, 'user:7', 'registry.cn-shanghai.aliyuncs.com', 'acr')]);
    const { logins } = await s.loginsFor(7, ['registry-vpc.cn-shanghai.aliyuncs.com']);
    expect(logins).toEqual([{ host: 'registry-vpc.cn-shanghai.aliyuncs.com', username: 'u3', password: 'acr' }]);
  });

  it('an exact host beats an equivalent one; an own equivalent beats a shared exact one', async () => {
    const host = 'registry-vpc.cn-shanghai.aliyuncs.com';
    const s = serviceWith([row(1, 'shared', host, 'shared-exact'), row(2, 'user:7', 'registry.cn-shanghai.aliyuncs.com', 'own-alias'), row(3, 'user:7', host, 'own-exact')]);
    expect((await s.loginsFor(7, [host])).credentialIds).toEqual([3]);
    const t = serviceWith([row(1, 'shared', host, 'shared-exact'), row(2, 'user:7', 'registry.cn-shanghai.aliyuncs.com', 'own-alias')]);
    expect((await t.loginsFor(7, [host])).credentialIds).toEqual([2]);
  });

  it('a stored password that does not decrypt (moved to another row, or the key changed) is refused with 40050', async () => {
    const moved = { ...row(1, 'user:7', 'ghcr.io', 'x'), host: 'quay.io' } as RegistryCredential;
    await expect(serviceWith([moved]).loginsFor(7, ['quay.io'])).rejects.toMatchObject({ error: { code: 40050 } });
  });
});
