/**
 * Errors with codes. Every error that reaches a response goes through the one handler in
 * `error-handler.ts`; a 5xx body never says anything internal.
 */

/** An error meant for the client: an HTTP status, a stable machine-readable code, a message. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** The error body every route answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export const errorBodySchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;
