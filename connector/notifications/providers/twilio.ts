/**
 * SMS through Twilio's Programmable Messaging API with the official SDK, and its status
 * callbacks (signature check and parsing). Twilio types stay in this file.
 *
 * Docs: https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 *       https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 *       https://www.twilio.com/docs/usage/webhooks/webhooks-security
 *       https://www.twilio.com/docs/api/errors
 */
import http from 'node:http';
import twilio from 'twilio';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { TwilioConfig } from '../../../config/schema.ts';
import { isE164, ProviderError, type ProviderErrorCode, type SmsMessage, type SmsProvider } from './types.ts';

const PROVIDER = 'twilio';
/** The origin every Twilio SDK request goes to. */
export const TWILIO_DEFAULT_API_URL = 'https://api.twilio.com';

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];
type RequestClientOptions = ConstructorParameters<typeof twilio.RequestClient>[0];

/**
 * The SDK has no base-URL option; its supported hook is `httpClient`. This client rewrites
 * the origin of each request from api.twilio.com to ours (a local fake, a proxy), keeping the
 * path and query.
 */
class RebasedRequestClient extends twilio.RequestClient {
  private readonly origin: string;

  constructor(apiUrl: string, opts: RequestClientOptions) {
    super(opts);
    this.origin = apiUrl.replace(/\/+$/, '');
    // The SDK builds its kept-alive agent for https only; a plain-http origin (a local fake)
    // gets the same one rather than Node's global agent.
    const axios = (this as unknown as { axios: { defaults: { httpAgent?: http.Agent } } }).axios;
    axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: opts?.maxSockets ?? TWILIO_MAX_SOCKETS });
  }

  override request<TData>(opts: RequestOptions & { data?: TData }) {
    const uri = opts.uri.startsWith(TWILIO_DEFAULT_API_URL) ? this.origin + opts.uri.slice(TWILIO_DEFAULT_API_URL.length) : opts.uri;
    return super.request<TData>({ ...opts, uri });
  }
}

/** Options of `createTwilioProvider`. */
export interface TwilioProviderOptions {
  /** Timeout of one API call, in milliseconds (default 15 s). */
  timeoutMs?: number;
  /** Connections kept open to the API, at most (default 64); more calls wait for one. */
  maxSockets?: number;
}

const TWILIO_MAX_SOCKETS = 64;

/**
 * Builds the SMS provider from config: sends from `cfg.messagingServiceSid` when set, else
 * from `cfg.from`, and asks for status callbacks at `statusCallbackUrl`. The SDK's own retry
 * on 429 stays off: retries belong to the job queue, which knows whether a send is still due.
 */
export function createTwilioProvider(cfg: TwilioConfig, options: TwilioProviderOptions = {}): SmsProvider {
  const timeout = options.timeoutMs ?? 15_000;
  const custom = cfg.apiUrl.replace(/\/+$/, '') !== TWILIO_DEFAULT_API_URL;
  // One client for every send, its connections kept alive (the SDK's agent; 20 sockets unless told).
  const agent = { timeout, keepAlive: true, maxSockets: options.maxSockets ?? TWILIO_MAX_SOCKETS };
  const httpClient = custom ? new RebasedRequestClient(cfg.apiUrl, agent) : new twilio.RequestClient(agent);
  const client = twilio(cfg.accountSid, cfg.authToken, { httpClient, autoRetry: false });

  return {
    name: PROVIDER,
    async sendSms(m: SmsMessage): Promise<{ providerId: string }> {
      if (!isE164(m.to)) {
        throw new ProviderError('SMS_INVALID_NUMBER', 'twilio: recipient is not an E.164 number', { provider: PROVIDER, retryable: false });
      }
      const sender = cfg.messagingServiceSid ? { messagingServiceSid: cfg.messagingServiceSid } : { from: cfg.from };
      try {
        const message = await client.messages.create({
          to: m.to,
          body: m.body,
          ...sender,
          ...(m.statusCallbackUrl ? { statusCallback: m.statusCallbackUrl } : {}),
        });
        return { providerId: message.sid };
      } catch (err) {
        throw mapTwilioError(err);
      }
    },
  };
}

/** Twilio error codes we act on. https://www.twilio.com/docs/api/errors */
const CODE_MAP: Readonly<Record<number, ProviderErrorCode>> = {
  21610: 'SMS_OPTED_OUT', // Attempt to send to unsubscribed recipient
  21211: 'SMS_INVALID_NUMBER', // Invalid 'To' Phone Number
  21614: 'SMS_INVALID_NUMBER', // 'To' number is not a valid mobile number
  21604: 'SMS_INVALID_NUMBER', // 'To' phone number is required
  21401: 'SMS_INVALID_NUMBER', // Invalid Phone Number
  21408: 'SMS_UNROUTABLE', // Permission to send an SMS has not been enabled for the region
  21612: 'SMS_UNROUTABLE', // The 'To' phone number is not currently reachable
  20003: 'PROVIDER_AUTH', // Authentication Error
  20005: 'PROVIDER_AUTH', // Account not active
  21603: 'PROVIDER_CONFIG', // 'From' phone number is required
  21606: 'PROVIDER_CONFIG', // The 'From' phone number provided is not a valid message-capable number
  21212: 'PROVIDER_CONFIG', // Invalid 'From' Phone Number
  21659: 'PROVIDER_CONFIG', // Source number is not a Twilio number
  21701: 'PROVIDER_CONFIG', // Messaging Service does not exist
  21703: 'PROVIDER_CONFIG', // Messaging Service has no phone numbers
  20429: 'PROVIDER_UNAVAILABLE', // Too Many Requests
};

interface TwilioHttpError {
  status: number;
  code?: unknown;
}

function isHttpError(err: unknown): err is TwilioHttpError {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}

/** Turns whatever the SDK threw into a `ProviderError` (exported for tests). The vendor's message, which may quote the number, is left in `cause` only. */
export function mapTwilioError(err: unknown): ProviderError {
  if (isHttpError(err)) {
    const status = err.status;
    const providerCode = typeof err.code === 'number' ? err.code : undefined;
    const base = { provider: PROVIDER, status, providerCode, cause: err };
    const suffix = `(HTTP ${status}${providerCode !== undefined ? `, code ${providerCode}` : ''})`;
    const mapped = providerCode !== undefined ? CODE_MAP[providerCode] : undefined;
    const code: ProviderErrorCode = mapped
      ?? (status === 401 || status === 403 ? 'PROVIDER_AUTH'
        : status === 429 || status >= 500 ? 'PROVIDER_UNAVAILABLE'
          : status === 404 ? 'PROVIDER_CONFIG'
            : 'SMS_REJECTED');
    return new ProviderError(code, `twilio: ${DESCRIPTIONS[code]} ${suffix}`, { ...base, retryable: code === 'PROVIDER_UNAVAILABLE' });
  }
  const netCode = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'unknown error';
  return new ProviderError('PROVIDER_UNAVAILABLE', `twilio: unreachable (${netCode})`, { provider: PROVIDER, retryable: true, cause: err });
}

const DESCRIPTIONS: Readonly<Record<ProviderErrorCode, string>> = {
  SMS_OPTED_OUT: 'recipient has opted out',
  SMS_INVALID_NUMBER: 'recipient number refused',
  SMS_UNROUTABLE: 'recipient number cannot be reached',
  SMS_REJECTED: 'message refused',
  EMAIL_REJECTED: 'message refused',
  EMAIL_INVALID_ADDRESS: 'recipient refused',
  PROVIDER_AUTH: 'credentials refused',
  PROVIDER_CONFIG: 'sender settings refused',
  PROVIDER_UNAVAILABLE: 'unavailable',
  WEBHOOK_PAYLOAD_INVALID: 'invalid callback',
};

/** Header carrying a Twilio webhook signature. */
export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';

/**
 * Checks `X-Twilio-Signature` with the SDK: an HMAC-SHA1 of the full callback URL (as
 * Twilio requested it, query included) followed by the sorted POST parameters, keyed by
 * the account's auth token.
 */
export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string | string[]>, signature: string): boolean {
  if (!signature) return false;
  return twilio.validateRequest(authToken, signature, url, params);
}

/** Message statuses Twilio reports. */
export const TWILIO_MESSAGE_STATUSES = [
  'accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed',
  'read', 'canceled', 'partially_delivered', 'receiving', 'received',
] as const;
export type TwilioMessageStatus = (typeof TWILIO_MESSAGE_STATUSES)[number];

const TwilioStatusSchema = Type.Object({
  MessageSid: Type.String({ pattern: '^(SM|MM)[0-9a-fA-F]{32}$' }),
  MessageStatus: Type.Union(TWILIO_MESSAGE_STATUSES.map((s) => Type.Literal(s))),
  ErrorCode: Type.Optional(Type.String({ pattern: '^[0-9]*$' })),
});

/** One status callback, in our words. */
export interface TwilioStatus {
  providerId: string;
  status: TwilioMessageStatus;
  /** Twilio's error code for `undelivered`/`failed` (e.g. 30003 unreachable, 30005 unknown number, 21610 opted out). */
  errorCode?: number;
}

/**
 * Reads a status callback's form parameters. Throws a `ProviderError`
 * (`WEBHOOK_PAYLOAD_INVALID`) when the message id or status is missing or unknown.
 * Recipient and sender numbers are not returned.
 */
export function parseTwilioStatus(params: unknown): TwilioStatus {
  if (!Value.Check(TwilioStatusSchema, params)) {
    throw new ProviderError('WEBHOOK_PAYLOAD_INVALID', 'twilio: status callback without a valid MessageSid and MessageStatus', { provider: PROVIDER, retryable: false });
  }
  const out: TwilioStatus = { providerId: params.MessageSid, status: params.MessageStatus };
  if (params.ErrorCode) out.errorCode = Number(params.ErrorCode);
  return out;
}
