/**
 * The connector's one error type: a stable code from the registry (protocol/errors.ts) and
 * a message, with its cause kept. Domain code throws it without knowing HTTP; the one error
 * handler (http/error-handler.ts) gives it the registry's status. A 5xx body never says
 * anything internal.
 */
import { ERRORS, type ErrorCode } from '#protocol/errors';

/** An error meant for the client, by code. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** The HTTP status of this code. */
  get statusCode(): number {
    return ERRORS[this.code].status;
  }
}
