/**
 * The error body every route answers with, as a response schema for the OpenAPI document.
 * Codes and their statuses are in protocol/errors.ts; errors become responses in
 * `error-handler.ts` only.
 */

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

/** The response schema of a list: `{ items: [...] }`. */
export function listSchema<T extends object>(item: T) {
  return { type: 'object', required: ['items'], properties: { items: { type: 'array', items: item } } } as const;
}
