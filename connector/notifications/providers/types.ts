/**
 * What the journey needs from an email or SMS provider, in our own words. Vendor SDK types
 * stay inside `sendgrid.ts` and `twilio.ts`; everything else talks to these interfaces.
 */

/** One email to send. */
export interface EmailMessage {
  /** Recipient address. */
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Display name of the sender (the clinic); the address is `MAIL_FROM`. */
  fromName: string;
  /** Our message id, echoed back in delivery events so they can be matched. */
  messageRef: string;
}

/** One SMS to send. */
export interface SmsMessage {
  /** Recipient number, E.164 (`+33612345678`). */
  to: string;
  body: string;
  /** Our message id, echoed back in status callbacks (as a query parameter of the callback URL). */
  messageRef: string;
  /** Where the provider posts delivery status updates. */
  statusCallbackUrl?: string;
}

/** Sends emails. */
export interface EmailProvider {
  readonly name: string;
  /** The channel is off (no provider, and no dev outbox): its messages are skipped, never sent. */
  readonly off?: true;
  /** Hands the email to the provider; resolves with the provider's id for it, or throws a `ProviderError`. */
  sendEmail(m: EmailMessage): Promise<{ providerId: string }>;
}

/** Sends SMS. */
export interface SmsProvider {
  readonly name: string;
  /** The channel is off (no provider, and no dev outbox): its messages are skipped, never sent. */
  readonly off?: true;
  /** Hands the SMS to the provider; resolves with the provider's id for it, or throws a `ProviderError`. */
  sendSms(m: SmsMessage): Promise<{ providerId: string }>;
}

/**
 * Why a provider call failed, in our words:
 * - `SMS_OPTED_OUT`: the recipient replied STOP (Twilio 21610); fall back to email.
 * - `SMS_INVALID_NUMBER`: not a phone number, or not a mobile (Twilio 21211, 21614, 21604).
 * - `SMS_UNROUTABLE`: a valid number we may not or cannot reach (Twilio 21408, 21612).
 * - `SMS_REJECTED` / `EMAIL_REJECTED`: the provider refused the message itself (4xx).
 * - `EMAIL_INVALID_ADDRESS`: the recipient address is malformed.
 * - `PROVIDER_AUTH`: our credentials were refused (401/403, Twilio 20003).
 * - `PROVIDER_CONFIG`: our sender settings are wrong (Twilio 21606, 21603; 404 from the API).
 * - `PROVIDER_UNAVAILABLE`: 429, 5xx, timeout or network error; the only retryable one.
 * - `WEBHOOK_PAYLOAD_INVALID`: a delivery callback that does not have the documented shape.
 */
export type ProviderErrorCode =
  | 'SMS_OPTED_OUT'
  | 'SMS_INVALID_NUMBER'
  | 'SMS_UNROUTABLE'
  | 'SMS_REJECTED'
  | 'EMAIL_REJECTED'
  | 'EMAIL_INVALID_ADDRESS'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_CONFIG'
  | 'PROVIDER_UNAVAILABLE'
  | 'WEBHOOK_PAYLOAD_INVALID';

/** Details of a `ProviderError`. */
export interface ProviderErrorDetails {
  provider: string;
  retryable: boolean;
  /** The vendor's own error code (Twilio's numeric code), when it gave one. */
  providerCode?: string | number;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  cause?: unknown;
}

/**
 * A failed provider call. The message names the provider and the reason only: never a
 * recipient, a body or a token. The `cause` is the SDK's error, kept for debugging; the
 * vendor's text in it may quote the recipient, so log `code`, `providerCode` and `status`
 * rather than the cause.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly provider: string;
  readonly retryable: boolean;
  readonly providerCode?: string | number;
  readonly status?: number;

  constructor(code: ProviderErrorCode, message: string, details: ProviderErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.provider = details.provider;
    this.retryable = details.retryable;
    if (details.providerCode !== undefined) this.providerCode = details.providerCode;
    if (details.status !== undefined) this.status = details.status;
  }

  /** The safe fields only, so a logger that calls `toJSON` never prints the vendor's text. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, provider: this.provider, retryable: this.retryable, providerCode: this.providerCode, status: this.status, message: this.message };
  }
}

/** Loose E.164 check: `+`, a non-zero digit, 7 to 15 digits in all. */
export function isE164(phone: string): boolean {
  return /^\+[1-9]\d{6,14}$/.test(phone);
}

/** Loose email check: one `@`, no spaces, a dot in the domain. Real validation is the provider's. */
export function isEmailAddress(email: string): boolean {
  return /^[^@\s<>"',;]+@[^@\s<>"',;]+\.[^@\s<>"',;.]+$/.test(email);
}
