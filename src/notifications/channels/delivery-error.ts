/**
 * A delivery that did not happen. `retryable`: worth trying again later (network, timeout, a busy
 * receiver); not for a refused address or a malformed target. The message never holds a URL's path
 * or query, a secret or a password.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
