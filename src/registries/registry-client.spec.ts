import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, RegistryError, RegistryLogin } from './registry-client';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const sha256 = (text: string | Buffer) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 2, digest: sha256('{}') },
  layers: [],
});
const PATH = '/v2/acme/web/manifests/1.0';
const ALICE: RegistryLogin = { username: 'alice', password: 'pa55-Wörd:with"quotes' };
const ALICE_BASIC = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;
const WRONG: RegistryLogin = { username: 'alice', password: 'not-the-password-9f2c' };

const client = (options: Partial<{ timeoutMs: number; insecureHosts: string[] }> = {}) =>
  new RegistryClient({ timeoutMs: 5000, insecureHosts: [], ...options });

function sendManifest(res: ServerResponse, body: string, mediaType = OCI_MANIFEST, digest: string | null = sha256(body)) {
  res.writeHead(200, { 'content-type': mediaType, ...(digest && { 'docker-content-digest': digest }) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message, detail: null }] }));
}

interface FakeRegistry {
  host: string;
  port: number;
  requests: { url: string; authorization?: string; accept?: string }[];
  connections: number;
}

const servers: Server[] = [];

/** An in-process registry on 127.0.0.1 that records what it was asked. */
async function fakeRegistry(handler: (req: IncomingMessage, res: ServerResponse, registry: FakeRegistry) => void): Promise<FakeRegistry> {
  const registry: FakeRegistry = { host: '', port: 0, requests: [], connections: 0 };
  const server = createServer((req, res) => {
    registry.requests.push({ url: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept });
    handler(req, res, registry);
  });
  server.on('connection', () => registry.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry.port = (server.address() as AddressInfo).port;
  registry.host = `127.0.0.1:${registry.port}`;
  return registry;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Like distribution's htpasswd auth: Basic challenge and a Distribution error body. */
const basicRegistry = () =>
  fakeRegistry((req, res) => {
    if (req.headers.authorization !== ALICE_BASIC) {
      return sendError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="test"' });
    }
    if (req.url === PATH) return sendManifest(res, MANIFEST);
    sendError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
  });

/** Like Docker Hub: a token service on /token that checks Basic credentials; the manifest wants its token. */
const bearerRegistry = () =>
  fakeRegistry((req, res, registry) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname === '/token') {
      res.setHeader('content-type', 'application/json');
      if (!req.headers.authorization) return res.end(JSON.stringify({ access_token: 'anonymous-token' }));
      if (req.headers.authorization !== ALICE_BASIC) return res.writeHead(401).end(JSON.stringify({ details: 'incorrect username or password' }));
      return res.end(JSON.stringify({ token: 'alice-token-7d1e' }));
    }
    if (req.headers.authorization !== 'Bearer alice-token-7d1e') {
      const challenge = `Bearer realm="http://${registry.host}/token",service="fake-registry",scope="repository:acme/web:pull"`;
      return sendError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': challenge });
    }
    sendManifest(res, MANIFEST);
  });

describe('RegistryClient against in-process registries', () => {
  it('resolves a tag anonymously: digest of the content, media type, the Accept list', async () => {
    const registry = await fakeRegistry((req, res) => sendManifest(res, MANIFEST));
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).resolves.toEqual({ digest: sha256(MANIFEST), mediaType: OCI_MANIFEST, children: [] });
    const [request] = registry.requests;
    expect(request.url).toBe(PATH);
    expect(request.authorization).toBeUndefined();
    for (const type of [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, 'application/vnd.docker.distribution.manifest.v2+json']) expect(request.accept).toContain(type);
  });

  it('falls back from https to http for 127.0.0.1 only after the TLS handshake failed', async () => {
    const registry = await fakeRegistry((req, res) => sendManifest(res, MANIFEST));
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).resolves.toMatchObject({ digest: sha256(MANIFEST) });
    expect(registry.connections).toBe(2); // the refused TLS handshake, then plain HTTP
    expect(registry.requests).toHaveLength(1);
  });

  it('collects the children of an index, and takes the media type from Content-Type when the body has none', async () => {
    const children = [sha256('amd64'), sha256('arm64')];
    const index = JSON.stringify({ schemaVersion: 2, manifests: children.map((digest) => ({ mediaType: OCI_MANIFEST, digest, size: 5 })) });
    const registry = await fakeRegistry((req, res) => sendManifest(res, index, DOCKER_LIST, null));
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).resolves.toEqual({ digest: sha256(index), mediaType: DOCKER_LIST, children });
  });

  it('refuses a manifest whose Docker-Content-Digest is not the digest of its content', async () => {
    const registry = await fakeRegistry((req, res) => sendManifest(res, MANIFEST, OCI_MANIFEST, sha256('something else')));
    const err = await client().resolveTag(registry.host, 'acme/web', '1.0', null).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.kind).toBe('protocol');
    expect(err.message).toContain(sha256('something else'));
  });

  it.each([
    ['with a Content-Length', (res: ServerResponse) => sendManifest(res, 'x'.repeat(4 * 1024 * 1024 + 1))],
    [
      'chunked, no Content-Length',
      (res: ServerResponse) => {
        for (let mib = 0; mib < 5; mib++) res.write('x'.repeat(1024 * 1024));
        res.end();
      },
    ],
  ])('refuses a manifest larger than 4 MiB (%s)', async (_, send) => {
    const registry = await fakeRegistry((req, res) => send(res));
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/larger than/) });
  });

  it('maps 404 MANIFEST_UNKNOWN to not_found with the registry reason', async () => {
    const registry = await fakeRegistry((req, res) => sendError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown'));
    await expect(client().resolveTag(registry.host, 'acme/web', 'gone', null)).rejects.toMatchObject({
      kind: 'not_found',
      message: `${registry.host}/acme/web:gone not found in the registry: manifest unknown`,
    });
  });

  it('Basic auth: anonymous first, then the login; without a login or with a wrong one, unauthorized with the reason', async () => {
    const registry = await basicRegistry();
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', ALICE)).resolves.toMatchObject({ digest: sha256(MANIFEST) });
    expect(registry.requests.map((r) => r.authorization)).toEqual([undefined, ALICE_BASIC]);
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).rejects.toMatchObject({
      kind: 'unauthorized',
      message: `registry ${registry.host} requires credentials: authentication required`,
    });
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', WRONG)).rejects.toMatchObject({
      kind: 'unauthorized',
      message: `registry ${registry.host} refused the credentials: authentication required`,
    });
  });

  it('Bearer auth: fetches a token with service and scope, sending the login there', async () => {
    const registry = await bearerRegistry();
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', ALICE)).resolves.toMatchObject({ digest: sha256(MANIFEST) });
    const token = registry.requests.find((r) => r.url.startsWith('/token'));
    expect(token?.authorization).toBe(ALICE_BASIC);
    const query = new URL(token?.url ?? '', 'http://x').searchParams;
    expect(query.get('service')).toBe('fake-registry');
    expect(query.get('scope')).toBe('repository:acme/web:pull');
    expect(registry.requests.at(-1)).toMatchObject({ url: PATH, authorization: 'Bearer alice-token-7d1e' });
  });

  it('Bearer auth: an anonymous token that the registry refuses, and a wrong password at the token service', async () => {
    const registry = await bearerRegistry();
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null)).rejects.toMatchObject({
      kind: 'unauthorized',
      message: `registry ${registry.host} requires credentials: authentication required`,
    });
    expect(registry.requests.map((r) => r.authorization)).toEqual([undefined, undefined, 'Bearer anonymous-token']);
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', WRONG)).rejects.toMatchObject({
      kind: 'unauthorized',
      message: `registry ${registry.host} refused the credentials: incorrect username or password`,
    });
  });

  it('never puts the password, the Basic header or a token in a message, even when the registry echoes them', async () => {
    const echo = (req: IncomingMessage, res: ServerResponse) =>
      sendError(res, 403, 'DENIED', `denied ${req.headers.authorization} for ${ALICE.password}`);
    const basic = await fakeRegistry((req, res) =>
      req.headers.authorization ? echo(req, res) : sendError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="test"' }),
    );
    const bearer = await fakeRegistry((req, res, registry) => {
      if (req.url?.startsWith('/token')) return res.end(JSON.stringify({ token: 'secret-token-5b9a' }));
      if (req.headers.authorization) return echo(req, res);
      sendError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `Bearer realm="http://${registry.host}/token"` });
    });
    for (const registry of [basic, bearer]) {
      const err = await client().resolveTag(registry.host, 'acme/web', '1.0', ALICE).catch((e) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.kind).toBe('unauthorized');
      expect(err.message).toContain('denied');
      for (const secret of [ALICE.password, ALICE_BASIC.slice(6), 'secret-token-5b9a']) expect(err.message).not.toContain(secret);
    }
  });

  it('a closed port is unreachable, naming the host and the cause', async () => {
    const port = await freePort();
    await expect(client().resolveTag(`127.0.0.1:${port}`, 'acme/web', '1.0', null)).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(new RegExp(`^cannot reach registry 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`)),
    });
  });

  it('a registry that never answers times out within timeoutMs', async () => {
    const registry = await fakeRegistry(() => undefined);
    const started = Date.now();
    await expect(client({ timeoutMs: 300 }).resolveTag(registry.host, 'acme/web', '1.0', null)).rejects.toMatchObject({
      kind: 'unreachable',
      message: `registry ${registry.host} did not answer within 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("the caller's abort ends the call", async () => {
    const registry = await fakeRegistry(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(client().resolveTag(registry.host, 'acme/web', '1.0', null, controller.signal)).rejects.toMatchObject({
      kind: 'unreachable',
      message: expect.stringMatching(/aborted/),
    });
  });
});

describe('RegistryClient scheme, host and input checks (fetch stubbed)', () => {
  let fetchSpy: jest.SpyInstance;
  beforeEach(() => (fetchSpy = jest.spyOn(globalThis, 'fetch')));
  afterEach(() => fetchSpy.mockRestore());
  const manifestResponse = () => new Response(MANIFEST, { headers: { 'content-type': OCI_MANIFEST } });
  const tlsFailure = () => new TypeError('fetch failed', { cause: new Error('wrong version number') });
  const urls = () => fetchSpy.mock.calls.map(([url]) => String(url));

  it('docker.io talks to registry-1.docker.io over https', async () => {
    fetchSpy.mockResolvedValue(manifestResponse());
    await expect(client().resolveTag('docker.io', 'library/nginx', 'latest', null)).resolves.toMatchObject({ digest: sha256(MANIFEST) });
    expect(urls()).toEqual(['https://registry-1.docker.io/v2/library/nginx/manifests/latest']);
  });

  it('never falls back to plain http for a host that is neither loopback nor listed as insecure', async () => {
    fetchSpy.mockRejectedValue(tlsFailure());
    await expect(client().resolveTag('registry.example.com', 'acme/web', '1.0', null)).rejects.toMatchObject({
      kind: 'unreachable',
      message: 'cannot reach registry registry.example.com: wrong version number',
    });
    expect(urls()).toEqual(['https://registry.example.com/v2/acme/web/manifests/1.0']);
  });

  it('falls back to plain http for a listed insecure host', async () => {
    fetchSpy.mockRejectedValueOnce(tlsFailure()).mockResolvedValueOnce(manifestResponse());
    await expect(client({ insecureHosts: ['registry.lan:5000'] }).resolveTag('registry.lan:5000', 'acme/web', '1.0', null)).resolves.toMatchObject({
      digest: sha256(MANIFEST),
    });
    expect(urls()).toEqual(['https://registry.lan:5000/v2/acme/web/manifests/1.0', 'http://registry.lan:5000/v2/acme/web/manifests/1.0']);
  });

  it('does not fall back to http when https answered with an HTTP error', async () => {
    fetchSpy.mockResolvedValue(new Response('{}', { status: 500 }));
    await expect(client().resolveTag('localhost:5000', 'acme/web', '1.0', null)).rejects.toMatchObject({ kind: 'protocol', message: 'registry localhost:5000 answered HTTP 500: HTTP 500' });
    expect(urls()).toEqual(['https://localhost:5000/v2/acme/web/manifests/1.0']);
  });

  it('refuses to send a password to a plain-http token realm on a host not allowed plain http', async () => {
    const challenge = 'Bearer realm="http://auth.example.com/token",service="x"';
    fetchSpy.mockResolvedValue(new Response('', { status: 401, headers: { 'www-authenticate': challenge } }));
    await expect(client().resolveTag('registry.example.com', 'acme/web', '1.0', ALICE)).rejects.toMatchObject({ kind: 'protocol' });
    expect(urls()).toHaveLength(1);
  });

  it.each([
    ['Registry.Example.com', 'acme/web', '1.0'],
    ['a/b', 'acme/web', '1.0'],
    ['host:99999', 'acme/web', '1.0'],
    ['registry.example.com', 'Acme/web', '1.0'],
    ['registry.example.com', '../v2', '1.0'],
    ['registry.example.com', 'acme/web?x=1', '1.0'],
    ['registry.example.com', 'acme/web', '-x'],
    ['registry.example.com', 'acme/web', '1.0/../x'],
  ])('throws a TypeError and sends nothing for host %p, repository %p, tag %p', async (host, repository, tag) => {
    await expect(client().resolveTag(host, repository, tag, null)).rejects.toThrow(TypeError);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe('RegistryClient against the real Debian docker-registry with htpasswd auth', () => {
  const PASSWORD = 'Real-registry-pw-4e8a';

  async function startHtpasswdRegistry(): Promise<{ host: string; stop(): Promise<void> }> {
    const dir = mkdtempSync(join(tmpdir(), 'registry-client-'));
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, execFileSync('/usr/bin/htpasswd', ['-Bbn', 'alice', PASSWORD]));
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yml'),
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n` +
        `http:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: test\n    path: ${htpasswd}\n`,
    );
    const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
    const stop = async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    };
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      // Any HTTP answer (a 401 here) means it listens.
      if (await fetch(`http://127.0.0.1:${port}/v2/`).then(() => true, () => false)) return { host: `127.0.0.1:${port}`, stop };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stop();
    throw new Error('docker-registry did not start listening within 10 s');
  }

  it('a missing tag with the right login is not_found; a wrong password is unauthorized with the registry reason', async () => {
    const missing = ['/usr/bin/docker-registry', '/usr/bin/htpasswd'].filter((bin) => !existsSync(bin));
    if (missing.length) throw new Error(`${missing.join(' and ')} not found: install docker-registry and apache2-utils (apt-get install docker-registry apache2-utils) to run this test`);
    const registry = await startHtpasswdRegistry();
    try {
      const notFound = await client().resolveTag(registry.host, 'acme/web', 'missing', { username: 'alice', password: PASSWORD }).catch((e) => e);
      expect(notFound).toBeInstanceOf(RegistryError);
      expect(notFound.kind).toBe('not_found');
      expect(notFound.message).toBe(`${registry.host}/acme/web:missing not found in the registry: manifest unknown`);
      const wrong = 'Wrong-pw-for-alice-1c3f';
      const err = await client().resolveTag(registry.host, 'acme/web', 'missing', { username: 'alice', password: wrong }).catch((e) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.kind).toBe('unauthorized');
      expect(err.message).toBe(`registry ${registry.host} refused the credentials: authentication required`);
      expect(err.message).not.toContain(wrong);
    } finally {
      await registry.stop();
    }
  }, 30_000);
});
