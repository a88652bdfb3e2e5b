import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { secretsConfig } from '../config/secrets.config';

/** The stored value could not be decrypted: tampered, moved to another row, or its key is gone. */
export class SecretDecryptionError extends Error {}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A short, non-secret fingerprint that names which key encrypted a value. */
const keyId = (key: Buffer) => createHash('sha256').update('dds-secret-key-id:').update(key).digest('hex').slice(0, 8);

/**
 * Encrypts secrets for the database with AES-256-GCM under SECRETS_KEY. A stored value is
 * `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url). `context` is bound as additional data, so a
 * value copied into another row (another user's credential) does not decrypt there.
 */
@Injectable()
export class SecretCipher {
  private readonly current: { id: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  constructor(@Inject(secretsConfig.KEY) config: ConfigType<typeof secretsConfig>) {
    this.current = { id: keyId(config.key), key: config.key };
    this.keys = new Map([config.key, ...config.previousKeys].reverse().map((k) => [keyId(k), k]));
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.current.id, iv, body, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(stored: string, context: string): string {
    const [version, id, iv, body, tag, ...rest] = stored.split('.');
    if (version !== VERSION || rest.length || iv === undefined || body === undefined || tag === undefined) throw new SecretDecryptionError('not a value this service encrypted');
    const key = this.keys.get(id);
    if (!key) throw new SecretDecryptionError(`encrypted under key ${id}, which is neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('the stored value was altered or belongs elsewhere (authentication failed)');
    }
  }

  /** True when the value was encrypted under an older key and should be written again. */
  needsReencryption(stored: string): boolean {
    return stored.split('.')[1] !== this.current.id;
  }
}

/** One stored secret to rewrite after a key rotation: its value, its context and a name for the log. */
export interface StoredSecret {
  stored: string;
  context: string;
  label: string;
  /** Writes the fresh value, conditionally on the old one (another replica may have rewritten it already). */
  save(fresh: string): Promise<unknown>;
}

/** After a key rotation (SECRETS_KEY_PREVIOUS), rewrites every value still under an older key; one that cannot be decrypted is logged and left. */
export async function reencryptStale(cipher: SecretCipher, logger: Logger, secrets: StoredSecret[]): Promise<void> {
  for (const s of secrets.filter((s) => cipher.needsReencryption(s.stored))) {
    try {
      await s.save(cipher.encrypt(cipher.decrypt(s.stored, s.context), s.context));
    } catch (err) {
      logger.error(`${s.label} cannot be decrypted: ${(err as Error).message}`);
    }
  }
}
