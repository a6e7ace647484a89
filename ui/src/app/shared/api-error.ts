import { HttpErrorResponse } from '@angular/common/http';
import type { HttpInterceptorFn } from '@angular/common/http';
import { catchError, throwError } from 'rxjs';

/** Code of an error where no HTTP response arrived (offline, DNS, CORS, aborted). */
export const NETWORK_ERROR_CODE = 'NETWORK';

/**
 * The one error type the UI sees from HTTP calls.
 * `code` is the server's code (`APPOINTMENT_NOT_FOUND`…), `NETWORK` when no response arrived,
 * or `HTTP_<status>` when the response had no error body of ours (e.g. a proxy's 502 page).
 * `message` is for developers; users get a text translated from `code`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** The HTTP status, 0 when no response arrived. */
    readonly status: number,
    /** A stable, machine-readable code. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The body of the server's error responses: `{"error": {"code": "…", "message": "…"}}`. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** True when `body` has the shape of our server's error bodies. */
export function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error: unknown = body.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.length > 0 &&
    'message' in error &&
    typeof error.message === 'string'
  );
}

/** The error body, parsed when it came as text (requests made with `responseType: 'text'`). */
function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** Maps an `HttpErrorResponse` to an `ApiError`, keeping the response as `cause`. */
export function toApiError(response: HttpErrorResponse): ApiError {
  // Status 0: the request never got an HTTP response (https://angular.dev/guide/http/making-requests#handling-request-failure).
  if (response.status === 0) {
    return new ApiError(0, NETWORK_ERROR_CODE, 'No response from the server', { cause: response });
  }
  const body = parsedBody(response.error);
  if (isApiErrorBody(body)) {
    return new ApiError(response.status, body.error.code, body.error.message, { cause: response });
  }
  // Not response.message: it contains the URL, and patient links carry tokens in their path.
  const message = `HTTP ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, `HTTP_${response.status}`, message, { cause: response });
}

/**
 * The single place HTTP failures are mapped: every `HttpErrorResponse` becomes an `ApiError`.
 * Other errors (bugs in our own code) pass through unchanged so they are not disguised.
 */
export const apiErrorInterceptor: HttpInterceptorFn = (request, next) =>
  next(request).pipe(
    catchError((error: unknown) => throwError(() => (error instanceof HttpErrorResponse ? toApiError(error) : error))),
  );
