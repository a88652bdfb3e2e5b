import { Module } from '@nestjs/common';
import { SecretCipher } from './secret-cipher';

/** Encryption at rest for every secret the service keeps in its database. */
@Module({ providers: [SecretCipher], exports: [SecretCipher] })
export class EncryptionModule {}
