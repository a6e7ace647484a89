/**
 * Email through SendGrid's v3 Mail Send API with the official SDK, and the SendGrid Event
 * Webhook (signature check and payload parsing). SendGrid types stay in this file.
 *
 * Docs: https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 *       https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 *       https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import sendgridClient from '@sendgrid/client';
import sendgridMail from '@sendgrid/mail';
import type { Client } from '@sendgrid/client/src/client.js';
import type { MailService } from '@sendgrid/mail/src/mail.js';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { SendgridConfig } from '../../../config/schema.ts';
import { isEmailAddress, ProviderError, type EmailMessage, type EmailProvider } from './types.ts';

// The packages' typings declare the singletons only; the classes are exported alongside at run time.
const SendgridClient = (sendgridClient as unknown as { Client: new () => Client }).Client;
const SendgridMailService = (sendgridMail as unknown as { MailService: new () => MailService }).MailService;

const PROVIDER = 'sendgrid';

/** Options of `createSendgridProvider`. */
export interface SendgridProviderOptions {
  /** Timeout of one API call, in milliseconds (default 15 s). */
  timeoutMs?: number;
  /** Connections kept open to the API, at most (default 64); more calls wait for one. */
  maxSockets?: number;
}

/**
 * Builds the email provider. The SDK gets its own `Client` whose base URL is `cfg.apiUrl`
 * (the real API or a local fake): `@sendgrid/mail` otherwise keeps calling the real host,
 * and `setApiKey` resets the base URL, so the key is set first. The client is built once and
 * reused for every send, over kept-alive connections.
 * Click and open tracking are turned off: tracked links would route the patient's private
 * link through a redirect host, and an open pixel is tracking we do not need.
 */
export function createSendgridProvider(cfg: SendgridConfig, mailFrom: string, options: SendgridProviderOptions = {}): EmailProvider {
  const client = new SendgridClient();
  client.setApiKey(cfg.apiKey);
  client.setDefaultRequest('baseUrl', `${cfg.apiUrl.replace(/\/+$/, '')}/`);
  // Our own keep-alive agents (the SDK's axios would take Node's global ones, unbounded):
  // connections are reused across sends, and a burst of sends queues for at most
  // `maxSockets` of them rather than opening one each.
  // The defaults go to axios as they are (client.js `createRequest`); the typings list SendGrid's fields only.
  const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const defaults = client as unknown as { setDefaultRequest(key: 'httpAgent' | 'httpsAgent', value: http.Agent): void };
  defaults.setDefaultRequest('httpAgent', new http.Agent(agent));
  defaults.setDefaultRequest('httpsAgent', new https.Agent(agent));
  const mailer = new SendgridMailService();
  mailer.setClient(client);
  mailer.setTimeout(options.timeoutMs ?? 15_000);

  return {
    name: PROVIDER,
    async sendEmail(m: EmailMessage): Promise<{ providerId: string }> {
      if (!isEmailAddress(m.to)) {
        throw new ProviderError('EMAIL_INVALID_ADDRESS', 'sendgrid: recipient address is malformed', { provider: PROVIDER, retryable: false });
      }
      let response;
      try {
        [response] = await mailer.send({
          to: { email: m.to },
          from: { email: mailFrom, name: m.fromName },
          subject: m.subject,
          text: m.text,
          html: m.html,
          customArgs: { message_ref: m.messageRef },
          trackingSettings: { clickTracking: { enable: false, enableText: false }, openTracking: { enable: false } },
        });
      } catch (err) {
        throw mapSendgridError(err);
      }
      const headers = response.headers as Record<string, unknown> | undefined;
      const id = headers?.['x-message-id'];
      // A 2xx means SendGrid took the email: never turn a missing id into a failure (a retry would send it twice).
      return { providerId: typeof id === 'string' ? id : '' };
    },
  };
}

interface HttpLikeError {
  code: number;
  response?: { body?: unknown };
}

function isHttpError(err: unknown): err is HttpLikeError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'response' in err;
}

/** The `field` names of SendGrid's `{ errors: [{ message, field, help }] }` body. */
function errorFields(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: unknown) => (typeof e === 'object' && e !== null && typeof (e as { field?: unknown }).field === 'string' ? (e as { field: string }).field : ''));
}

/** Turns whatever the SDK threw into a `ProviderError` (exported for tests). */
export function mapSendgridError(err: unknown): ProviderError {
  if (isHttpError(err)) {
    const status = err.code;
    const base = { provider: PROVIDER, status, cause: err };
    if (status === 401 || status === 403) return new ProviderError('PROVIDER_AUTH', `sendgrid: API key refused (HTTP ${status})`, { ...base, retryable: false });
    if (status === 429 || status >= 500) return new ProviderError('PROVIDER_UNAVAILABLE', `sendgrid: unavailable (HTTP ${status})`, { ...base, retryable: true });
    if (status === 404) return new ProviderError('PROVIDER_CONFIG', 'sendgrid: API URL not found (HTTP 404)', { ...base, retryable: false });
    const fields = errorFields(err.response?.body);
    if (fields.some((f) => /^personalizations\.\d+\.to(\.\d+\.email)?$/.test(f))) {
      return new ProviderError('EMAIL_INVALID_ADDRESS', `sendgrid: recipient address refused (HTTP ${status})`, { ...base, retryable: false });
    }
    const named = fields.filter((f) => f !== '').join(', ');
    return new ProviderError('EMAIL_REJECTED', `sendgrid: email refused (HTTP ${status}${named ? `; fields: ${named}` : ''})`, { ...base, retryable: false });
  }
  const netCode = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'unknown error';
  return new ProviderError('PROVIDER_UNAVAILABLE', `sendgrid: unreachable (${netCode})`, { provider: PROVIDER, retryable: true, cause: err });
}

/** Header names of a signed Event Webhook post. */
export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

function publicKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.includes('BEGIN PUBLIC KEY')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
}

/**
 * Checks a signed Event Webhook post: an ECDSA P-256 / SHA-256 signature (base64 DER) over
 * the timestamp header followed by the raw request body, against the verification key
 * SendGrid shows (base64 DER SubjectPublicKeyInfo, or PEM). This is what the
 * `@sendgrid/eventwebhook` package does; it is not installed, and node:crypto suffices.
 * Returns false for any malformed input rather than throwing. Replay protection (the age
 * of `timestamp`) is the caller's choice.
 */
export function verifySendgridEvents(publicKey: string, rawBody: string | Buffer, signature: string, timestamp: string): boolean {
  try {
    const key = publicKeyFrom(publicKey);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
    const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
    const payload = Buffer.concat([Buffer.from(timestamp, 'utf8'), body]);
    return verify('sha256', payload, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The event types SendGrid posts (delivery and engagement events). */
export const SENDGRID_EVENT_TYPES = [
  'processed', 'dropped', 'delivered', 'deferred', 'bounce',
  'open', 'click', 'spamreport', 'unsubscribe', 'group_unsubscribe', 'group_resubscribe',
] as const;
export type SendgridEventType = (typeof SENDGRID_EVENT_TYPES)[number];

const SendgridEventSchema = Type.Object({
  event: Type.Union(SENDGRID_EVENT_TYPES.map((e) => Type.Literal(e))),
  timestamp: Type.Number(),
  sg_message_id: Type.Optional(Type.String({ minLength: 1 })),
  sg_event_id: Type.Optional(Type.String()),
  message_ref: Type.Optional(Type.String({ minLength: 1 })),
  type: Type.Optional(Type.String()),
});
type RawSendgridEvent = Static<typeof SendgridEventSchema>;

/** One delivery event, in our words. Recipient, reason and user agent are left out on purpose. */
export interface SendgridEvent {
  /** Our message id (the `message_ref` custom arg), when the email was sent by us. */
  messageRef: string | undefined;
  /** SendGrid's message id as returned in `X-Message-Id` (the `sg_message_id` before its first dot). */
  providerId: string | undefined;
  event: SendgridEventType;
  /** For `bounce`: `bounce` (the server refused) or `blocked` (temporarily refused). */
  bounceType: string | undefined;
  /** SendGrid's unique id of this event, for de-duplication. */
  eventId: string | undefined;
  at: Date;
}

/**
 * Reads an Event Webhook body (a JSON array of events). Throws a `ProviderError`
 * (`WEBHOOK_PAYLOAD_INVALID`) when the body is not an array; skips the elements that are
 * not events of a known type or that carry neither our reference nor SendGrid's id.
 */
export function parseSendgridEvents(body: unknown): SendgridEvent[] {
  if (!Array.isArray(body)) {
    throw new ProviderError('WEBHOOK_PAYLOAD_INVALID', 'sendgrid: event webhook body is not an array', { provider: PROVIDER, retryable: false });
  }
  const out: SendgridEvent[] = [];
  for (const item of body as unknown[]) {
    if (!Value.Check(SendgridEventSchema, item)) continue;
    const e: RawSendgridEvent = item;
    const providerId = e.sg_message_id?.split('.')[0] || undefined;
    if (e.message_ref === undefined && providerId === undefined) continue;
    out.push({
      messageRef: e.message_ref,
      providerId,
      event: e.event,
      bounceType: e.event === 'bounce' ? e.type : undefined,
      eventId: e.sg_event_id,
      at: new Date(e.timestamp * 1000),
    });
  }
  return out;
}
