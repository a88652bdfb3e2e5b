import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';
import { authConfig } from '../config/auth.config';

const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** scrypt with 128 * N * r bytes of memory; maxmem must allow it or Node refuses. */
function options(logN: number, r: number, p: number): ScryptOptions {
  return { N: 2 ** logN, r, p, maxmem: 128 * 2 ** logN * r + 1024 * 1024 };
}

/**
 * Memory-hard password hashing (scrypt, OWASP: N=2^17, r=8, p=1), stored as a PHC string
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` so the cost can be raised later without breaking old hashes.
 */
@Injectable()
export class PasswordHasher {
  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {}

  async hash(password: string): Promise<string> {
    const logN = this.config.scryptLogN;
    const salt = randomBytes(16);
    const key = await scryptAsync(password, salt, options(logN, 8, 1));
    return `$scrypt$ln=${logN},r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async verify(password: string, phc: string): Promise<boolean> {
    const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(phc);
    if (!match) return false;
    const [, ln, r, p, salt, hash] = match;
    const expected = Buffer.from(hash, 'base64url');
    const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), options(Number(ln), Number(r), Number(p)));
    return key.length === expected.length && timingSafeEqual(key, expected);
  }

  /** A dummy verification so an unknown username costs as much time as a wrong password. */
  async burn(password: string): Promise<void> {
    await scryptAsync(password, randomBytes(16), options(this.config.scryptLogN, 8, 1));
  }
}
