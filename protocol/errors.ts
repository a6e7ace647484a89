/**
 * Every error code the connector answers with — in an HTTP error body
 * (`{"error": {"code", "message", "details?"}}`), a live `error` message, a WebSocket close
 * reason or an error page — with its HTTP status and what it means. Domain code throws
 * these codes without statuses; the HTTP layer looks the status up here. The pages switch on
 * the same codes. The README's table of codes is checked against this list by a test.
 */

/** One code's entry. */
export interface ErrorEntry {
  /** The HTTP status of a response with this code (for a live message: the status it would have). */
  readonly status: number;
  /** One line: what went wrong, for the integrator or the page that meets it. */
  readonly meaning: string;
}

export const ERRORS = {
  // Requests
  BAD_REQUEST: { status: 400, meaning: 'The request is malformed.' },
  INVALID_JSON: { status: 400, meaning: 'The body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, meaning: 'The body or parameters do not match their schema; `details` lists each problem by path.' },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body is larger than the route accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The route does not accept this content type.' },
  NOT_FOUND: { status: 404, meaning: 'No such route or resource.' },
  ORIGIN_REFUSED: { status: 403, meaning: 'A state-changing request or a live socket came from another site than PUBLIC_URL\'s.' },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests from this address; `Retry-After` says when to try again.' },
  INTERNAL: { status: 500, meaning: 'Something failed on our side; nothing internal is said.' },
  DATABASE_UNAVAILABLE: { status: 503, meaning: 'The database is not answering; nothing was recorded. Try again after `Retry-After` seconds.' },

  // Webhooks
  WEBHOOK_HEADERS_MISSING: { status: 400, meaning: 'The signature headers of the webhook scheme are missing.' },
  WEBHOOK_HEADERS_INVALID: { status: 400, meaning: 'A signature header is malformed (e.g. a webhook-id over 200 characters).' },
  WEBHOOK_TIMESTAMP_OUT_OF_RANGE: { status: 400, meaning: 'The signed timestamp is malformed or more than 5 minutes away from now.' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, meaning: 'No signature matches the body under the configured secret.' },
  WEBHOOK_NOT_CONFIGURED: { status: 403, meaning: 'This webhook has no verification key configured.' },
  STRIPE_NOT_CONFIGURED: { status: 404, meaning: 'Stripe is not configured (payments run in the sandbox).' },
  STRIPE_SIGNATURE_INVALID: { status: 400, meaning: 'The Stripe-Signature header matches neither endpoint secret.' },
  STRIPE_TIMESTAMP_OUT_OF_RANGE: { status: 400, meaning: 'The Stripe-Signature timestamp is more than 300 seconds away from now.' },
  STRIPE_PAYLOAD_INVALID: { status: 400, meaning: 'The Stripe event is not one we can read.' },
  JITSI_NOT_CONFIGURED: { status: 404, meaning: 'No Jitsi deployment is configured: calls are peer to peer.' },
  JITSI_EVENTS_TOKEN_INVALID: { status: 401, meaning: 'The Jitsi events request lacks the configured Bearer token.' },
  JITSI_EVENT_PATH_MISMATCH: { status: 400, meaning: 'The Jitsi event does not match the path it was posted to.' },

  // Integrator API and demo agenda
  API_KEY_MISSING: { status: 401, meaning: 'The request has no `Authorization: Bearer` API key.' },
  API_KEY_INVALID: { status: 401, meaning: 'The API key is unknown, expired or revoked.' },
  API_KEY_NOT_FOUND: { status: 404, meaning: 'No API key with this id belongs to the caller\'s clinic.' },
  UNAUTHORIZED: { status: 401, meaning: 'The demo agenda API needs its Bearer token.' },
  OPERATOR_TOKEN_REQUIRED: { status: 401, meaning: 'This operator page needs `Authorization: Bearer <OPERATOR_TOKEN>`.' },

  // Links, sessions and the call
  LINK_INVALID: { status: 404, meaning: 'The link was not made by this service.' },
  LINK_EXPIRED: { status: 410, meaning: 'The link expired after the appointment.' },
  LINK_REVOKED: { status: 410, meaning: 'The link was revoked.' },
  LINK_CANCELLED: { status: 410, meaning: 'The teleconsultation of this link was cancelled.' },
  SESSION_REQUIRED: { status: 401, meaning: 'No valid session for this teleconsultation and role: open the link again.' },
  TELECONSULTATION_NOT_FOUND: { status: 404, meaning: 'No such teleconsultation (for this clinic).' },
  TELECONSULTATION_CANCELLED: { status: 410, meaning: 'The teleconsultation was cancelled.' },
  JITSI_TOKEN_NOT_YET_VALID: { status: 403, meaning: 'The call opens shortly before the appointment; `details.opensAt` says when.' },
  JITSI_TOKEN_WINDOW_CLOSED: { status: 403, meaning: 'The appointment is over: the call can no longer be joined.' },
  MESSAGE_INVALID: { status: 400, meaning: 'A live message is not JSON or does not match the live protocol.' },
  NOT_ADMITTED: { status: 403, meaning: 'The patient sent a call message before being let in.' },
  NOT_ALLOWED: { status: 403, meaning: 'This participant may not send this live message.' },
  PATIENT_NOT_WAITING: { status: 409, meaning: 'The patient is not in the waiting room.' },
  TELECONSULTATION_ENDED: { status: 409, meaning: 'The teleconsultation has ended: documents and drawing can no longer be added.' },
  CALL_CLOSED: { status: 409, meaning: 'The appointment is over: the link now opens the consultation space only (payment, documents, conversation).' },
  CANNOT_RETURN: { status: 409, meaning: 'The consultation cannot be resumed: it was not ended by the patient, or the practitioner has left.' },
  DRAWING_FULL: { status: 409, meaning: 'The drawing holds the most operations it can keep; "effacer tout" makes room.' },

  // The practitioner's follow-up ("Suivi et paiement")
  FOLLOW_UP_SESSION_REQUIRED: { status: 401, meaning: 'No valid follow-up session: ask for a sign-in link.' },
  SIGN_IN_LINK_INVALID: { status: 404, meaning: 'The sign-in link was not made by this service.' },
  SIGN_IN_LINK_EXPIRED: { status: 410, meaning: 'The sign-in link expired: ask for a new one.' },
  PRACTITIONER_EMAIL_MISSING: { status: 409, meaning: 'The agenda gives no email for this practitioner: no sign-in link can be sent.' },

  // Documents
  DOCUMENT_MISSING: { status: 400, meaning: 'The upload has no `file` part.' },
  DOCUMENT_EMPTY: { status: 400, meaning: 'The file is empty.' },
  DOCUMENT_NAME_INVALID: { status: 400, meaning: 'The file name is empty, too long, or holds a path or control characters.' },
  DOCUMENT_TOO_LARGE: { status: 413, meaning: 'The file is larger than the per-file limit (`details.maxBytes`).' },
  DOCUMENT_QUOTA_EXCEEDED: { status: 413, meaning: 'The consultation\'s documents would exceed their total quota (`details.maxBytes`).' },
  DOCUMENT_TYPE_REFUSED: { status: 415, meaning: 'This type of file is not accepted (`details.accepted` lists the types).' },
  DOCUMENT_CONTENT_MISMATCH: { status: 415, meaning: 'The file\'s content does not match its declared type or its extension.' },
  DOCUMENT_NOT_FOUND: { status: 404, meaning: 'No such document in this teleconsultation.' },
  DOCUMENT_LINK_INVALID: { status: 403, meaning: 'The download link was not made for this document and consultation, or the session is not of this consultation.' },
  DOCUMENT_LINK_EXPIRED: { status: 410, meaning: 'The download link expired: ask the page for a new one.' },
  DOCUMENT_STORAGE_UNAVAILABLE: { status: 503, meaning: 'The document storage is not answering; nothing was stored. Try again later.' },

  // Payments
  AMOUNT_INVALID: { status: 400, meaning: 'The amount is not a number such as 30, 30.50 or 30,50.' },
  AMOUNT_NOT_POSITIVE: { status: 400, meaning: 'The amount must be greater than zero.' },
  AMOUNT_TOO_PRECISE: { status: 400, meaning: 'The amount has more decimals than its currency.' },
  AMOUNT_TOO_LARGE: { status: 400, meaning: 'The amount is above the clinic\'s maximum.' },
  CURRENCY_UNSUPPORTED: { status: 400, meaning: 'The clinic does not accept this currency.' },
  PAYMENTS_NOT_CONFIGURED: { status: 409, meaning: 'No payment provider is configured (Stripe, or SANDBOX_PAYMENTS=on).' },
  NO_OPEN_PAYMENT: { status: 409, meaning: 'There is no unpaid payment request to send again.' },
  RESEND_LIMIT: { status: 429, meaning: 'The payment link was already sent again the most times allowed.' },
  PAYMENT_NOT_READY: { status: 409, meaning: 'The payment page is still being made.' },
  PAYMENT_LINK_INVALID: { status: 404, meaning: 'The payment link was not made by this service.' },
  PAYMENT_REPLACED: { status: 410, meaning: 'A new payment link replaced this one.' },
  PAYMENT_CLOSED: { status: 410, meaning: 'This payment can no longer be made with this link.' },
  PAYMENT_UNAVAILABLE: { status: 503, meaning: 'The payment provider is not answering; try again in a few minutes.' },
} as const satisfies Record<string, ErrorEntry>;

/** A code of the registry. */
export type ErrorCode = keyof typeof ERRORS;

/** The error body of every HTTP error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/** True when `code` is in the registry (for codes that arrive from outside, e.g. in a page). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
