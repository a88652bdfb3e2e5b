import { DeliveryError } from './delivery-error';
import { HostLookup, isPrivateAddress, resolveTarget } from './target-address';

const answering =
  (...addresses: string[]): HostLookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fe80::1%eth0',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '[::ffff:10.0.0.1]',
    '::ffff:169.254.169.254',
    'not-an-ip',
  ])('%s is private', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:2800:220:1::1', '::ffff:93.184.216.34'])(
    '%s is public',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(false);
    },
  );
});

describe('resolveTarget', () => {
  it('refuses a name with any private address unless private delivery is allowed', async () => {
    const lookup = answering('93.184.216.34', '10.0.0.5');
    await expect(resolveTarget('mixed.example', { allowPrivate: false, plain: false, lookup })).rejects.toThrow(
      "10.0.0.5 is a private address; only an ADMIN's channels may deliver there",
    );
    await expect(resolveTarget('mixed.example', { allowPrivate: true, plain: false, lookup })).resolves.toEqual({
      address: '93.184.216.34',
      family: 4,
      private: false,
    });
  });

  it('checks IP literals without a lookup, IPv4-mapped loopback included', async () => {
    const lookup = jest.fn(answering('93.184.216.34'));
    await expect(resolveTarget('::ffff:127.0.0.1', { allowPrivate: false, plain: false, lookup })).rejects.toThrow(/private address/);
    await expect(resolveTarget('[::1]', { allowPrivate: false, plain: false, lookup })).rejects.toThrow(/::1 is a private address/);
    await expect(resolveTarget('127.0.0.1', { allowPrivate: true, plain: true, lookup })).resolves.toMatchObject({ address: '127.0.0.1', private: true });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('returns the checked address, so the caller connects there and not to a second answer', async () => {
    const lookup = jest.fn(answering('203.0.113.7'));
    await expect(resolveTarget('hooks.example', { allowPrivate: false, plain: false, lookup })).resolves.toMatchObject({ address: '203.0.113.7' });
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('hooks.example');
  });

  it('allows a plain transport only to a private address', async () => {
    const refused = resolveTarget('93.184.216.34', { allowPrivate: true, plain: true, plainName: 'plain http' });
    await expect(refused).rejects.toThrow('plain http is allowed only to a private address, and 93.184.216.34 (93.184.216.34) is public; use TLS');
    await expect(refused).rejects.toMatchObject({ retryable: false });
    await expect(resolveTarget('smtp.lan', { allowPrivate: true, plain: true, lookup: answering('192.168.0.25') })).resolves.toMatchObject({
      address: '192.168.0.25',
      private: true,
    });
    // Without the ADMIN's permission a private address is refused first.
    await expect(resolveTarget('smtp.lan', { allowPrivate: false, plain: true, lookup: answering('192.168.0.25') })).rejects.toThrow(/private address/);
  });

  it('turns a failed lookup into a retryable error', async () => {
    const lookup: HostLookup = async () => {
      throw Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' });
    };
    const err = await resolveTarget('flaky.example', { allowPrivate: false, plain: false, lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ message: 'cannot resolve flaky.example: EAI_AGAIN', retryable: true });
  });
});
