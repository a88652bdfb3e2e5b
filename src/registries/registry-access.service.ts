import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { parseImageReference } from '../swarm/image-reference';
import { DockerAuth } from '../swarm/docker-auth';
import { RegistryClient, RegistryError } from './registry-client';
import { OperationLogins, RegistryCredentialsService } from './registry-credentials.service';

const detail = (text: string) => ({ zh: text, en: text });

/** What one docker operation gets: its private config, and digest lookups with the same logins. */
export interface RegistryOperation {
  /** The private DOCKER_CONFIG directory to run docker with. */
  configDir: string;
  /**
   * The digest `repository:tag` points at now. With `claimed`, the tag must point at it, or at an
   * index that lists it (a platform's manifest); the index's digest is pinned then, so nodes of
   * every platform can pull. Throws an AppError with its own code; nothing has run.
   */
  pinDigest(repository: string, tag: string, claimed: string | null, signal?: AbortSignal): Promise<string>;
}

/**
 * How deployments reach private registries with their owner's credentials: docker operations get a
 * private config holding the logins they need, and a rollout's digest is asked of the registry
 * itself (a push's digest is a cue, not the truth), so every node runs the same bits even if the
 * tag moves again.
 */
@Injectable()
export class RegistryAccess {
  constructor(
    private readonly client: RegistryClient,
    private readonly credentials: RegistryCredentialsService,
    private readonly dockerAuth: DockerAuth,
  ) {}

  /**
   * Runs a docker operation with a private DOCKER_CONFIG holding the logins of `userId` (own, else
   * shared) for the registries of `images`; records their use once it succeeded. The operation's
   * digest lookups use the same logins.
   */
  async withLogins<T>(userId: number, images: readonly string[], run: (operation: RegistryOperation) => Promise<T>): Promise<T> {
    const hosts = images.map((image) => parseImageReference(image)?.registry).filter((h): h is string => h !== undefined);
    const logins = await this.credentials.loginsFor(userId, hosts);
    const result = await this.dockerAuth.withRegistryAuth(logins.logins, (configDir) =>
      run({ configDir, pinDigest: (repository, tag, claimed, signal) => this.pinDigest(logins, repository, tag, claimed, signal) }),
    );
    await this.credentials.recordUse(logins.credentialIds, { ok: true });
    return result;
  }

  private async pinDigest(logins: OperationLogins, repository: string, tag: string, claimed: string | null, signal?: AbortSignal): Promise<string> {
    const ref = parseImageReference(`${repository}:${tag}`);
    if (!ref) throw new AppError(Errors.INVALID_IMAGE_REFERENCE, detail(`${repository}:${tag}`.slice(0, 200)));
    const index = logins.logins.findIndex((l) => l.host === ref.registry);
    const credentialIds = index < 0 ? [] : [logins.credentialIds[index]];
    let manifest;
    try {
      manifest = await this.client.resolveTag(ref.registry, ref.path, tag, logins.logins[index] ?? null, signal);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      // A missing tag still proves the login worked; an unreachable registry says nothing about it.
      if (err.kind === 'unauthorized') await this.credentials.recordUse(credentialIds, { ok: false, error: err.message });
      if (err.kind === 'not_found') await this.credentials.recordUse(credentialIds, { ok: true });
      throw lookupError(err, ref.registry, index >= 0);
    }
    await this.credentials.recordUse(credentialIds, { ok: true });
    if (claimed && manifest.digest !== claimed && !manifest.children.includes(claimed)) {
      throw new AppError(Errors.DIGEST_MISMATCH, detail(`${repository}:${tag} is ${manifest.digest} in the registry, not the pushed ${claimed}: a stale or forged push`));
    }
    return manifest.digest;
  }
}

function lookupError(err: RegistryError, host: string, hadLogin: boolean): AppError {
  switch (err.kind) {
    case 'not_found':
      return new AppError(Errors.IMAGE_TAG_NOT_FOUND, detail(err.message));
    case 'unauthorized': {
      const hint = hadLogin ? 'update the saved credential' : 'save a credential for it (POST /web/user/registries)';
      return new AppError(Errors.REGISTRY_AUTH_FAILED, detail(`${err.message}; ${hint}`));
    }
    default:
      return new AppError(Errors.REGISTRY_UNREACHABLE, detail(`${err.message} (registry ${host})`));
  }
}
