/**
 * A local Twilio: the Programmable Messaging "create a Message" endpoint as documented
 * (form-encoded, Basic auth with AccountSid:AuthToken, 201 with the Message resource, errors
 * as `{ code, message, more_info, status }`), plus signed status callbacks.
 *
 * https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 * https://www.twilio.com/docs/usage/security#validating-requests
 */
import { createHmac, randomBytes } from 'node:crypto';
import { startHttpFake, type FakeReply, type HttpFakeControls, type RecordedRequest } from './messaging-http-fake.ts';

/** A request to the fake, with its form fields. */
export interface TwilioRequest extends RecordedRequest {
  form: Record<string, string>;
}

/** A message the fake accepted. */
export interface TwilioFakeMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  status: string;
}

/** A status callback, ready to post. */
export interface TwilioStatusCallback {
  url: string;
  params: Record<string, string>;
  signature: string;
}

/** The fake and its controls. */
export interface TwilioFake extends HttpFakeControls<TwilioRequest> {
  readonly accountSid: string;
  readonly authToken: string;
  /** Messages accepted (201), oldest first. */
  readonly messages: TwilioFakeMessage[];
  /** Makes sends to `phone` fail with 21610 (the recipient replied STOP). */
  optOut(phone: string): void;
  /** Makes sends to `phone` fail with 21614 (not a mobile number). */
  markLandline(phone: string): void;
  /** Makes sends to `phone` fail with 21211 (a well-formed number that does not exist). */
  markInvalid(phone: string): void;
  /** Builds the status callback Twilio would post for message `sid` to its `StatusCallback` (or `url`). */
  statusCallback(sid: string, status: string, options?: { errorCode?: number; url?: string }): TwilioStatusCallback;
  /** Posts that callback, form-encoded with `X-Twilio-Signature`; `badSignature` signs with another token. */
  sendStatusCallback(sid: string, status: string, options?: { errorCode?: number; url?: string; badSignature?: boolean }): Promise<Response>;
}

/** Twilio's webhook signature, per its documentation: HMAC-SHA1 (base64) of the URL followed by the sorted parameters' names and values. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function twilioError(status: number, code: number, message: string): FakeReply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

const FAILURES: Readonly<Record<number, [number, string]>> = {
  400: [21601, 'Bad request'],
  401: [20003, 'Authenticate'],
  403: [20003, 'Permission denied'],
  404: [20404, 'The requested resource was not found'],
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  503: [20503, 'Service Unavailable'],
};

const E164 = /^\+[1-9]\d{6,14}$/;
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;

function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

/** Starts a Twilio fake on 127.0.0.1, port 0. Close it in `afterAll`. */
export async function startTwilioFake(options: { accountSid?: string; authToken?: string } = {}): Promise<TwilioFake> {
  const accountSid = options.accountSid ?? `AC${'0123456789abcdef'.repeat(2)}`;
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const messages: TwilioFakeMessage[] = [];
  const optedOut = new Set<string>();
  const landlines = new Set<string>();
  const invalid = new Set<string>();
  const basicAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const controls = await startHttpFake<TwilioRequest>({
    record: (base) => ({ ...base, form: Object.fromEntries(new URLSearchParams(base.rawBody)) }),
    failure: (status) => {
      const [code, message] = FAILURES[status] ?? [20500, 'Error'];
      return twilioError(status, code, message);
    },
    handle: (req) => {
      if (req.headers.authorization !== basicAuth) return twilioError(401, 20003, 'Authenticate');
      const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.path.split('?')[0] ?? '');
      if (req.method !== 'POST' || !match) return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
      if (match[1] !== accountSid) return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
      const f = req.form;
      const to = f.To;
      const from = f.From;
      const service = f.MessagingServiceSid;
      const body = f.Body;
      // Twilio's wording, including the number in the message (our code must not repeat it).
      if (!to) return twilioError(400, 21604, "A 'To' phone number is required.");
      if (!body) return twilioError(400, 21602, 'Message body is required.');
      if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
      if (from && !E164.test(from) && !ALPHANUMERIC_SENDER.test(from)) return twilioError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
      if (service && !/^MG[0-9a-fA-F]{32}$/.test(service)) return twilioError(404, 21701, `The Messaging Service Sid ${service} is invalid.`);
      if (!E164.test(to) || invalid.has(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      if (landlines.has(to)) return twilioError(400, 21614, `'To' number ${to} is not a valid mobile number`);
      if (optedOut.has(to)) return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
      if (body.length > 1600) return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const status = service && !from ? 'accepted' : 'queued';
      const message: TwilioFakeMessage = { sid, to, from: from ?? null, messagingServiceSid: service ?? null, body, statusCallback: f.StatusCallback ?? null, status };
      messages.push(message);
      const now = rfc2822(new Date());
      return {
        status: 201,
        body: {
          account_sid: accountSid,
          api_version: '2010-04-01',
          body,
          date_created: now,
          date_sent: null,
          date_updated: now,
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          from: message.from,
          messaging_service_sid: message.messagingServiceSid,
          num_media: '0',
          num_segments: '1',
          price: null,
          price_unit: 'USD',
          sid,
          status,
          subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
          to,
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
        },
      };
    },
  });

  const statusCallback = (sid: string, status: string, opts: { errorCode?: number; url?: string } = {}, token = authToken): TwilioStatusCallback => {
    const message = messages.find((m) => m.sid === sid);
    const url = opts.url ?? message?.statusCallback;
    if (!url) throw new Error(`twilio fake: no status callback URL for ${sid}`);
    const params: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: '2010-04-01',
      From: message?.from ?? '+15005550006',
      MessageSid: sid,
      MessageStatus: status,
      SmsSid: sid,
      SmsStatus: status,
      To: message?.to ?? '+15005550006',
    };
    if (message?.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (opts.errorCode !== undefined) params.ErrorCode = String(opts.errorCode);
    return { url, params, signature: twilioSignature(token, url, params) };
  };

  return {
    ...controls,
    accountSid,
    authToken,
    messages,
    optOut: (phone) => void optedOut.add(phone),
    markLandline: (phone) => void landlines.add(phone),
    markInvalid: (phone) => void invalid.add(phone),
    statusCallback: (sid, status, opts) => statusCallback(sid, status, opts),
    async sendStatusCallback(sid, status, opts = {}) {
      const cb = statusCallback(sid, status, opts, opts.badSignature ? `${authToken}x` : authToken);
      return fetch(cb.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': cb.signature, 'User-Agent': 'TwilioProxy/1.1' },
        body: new URLSearchParams(cb.params).toString(),
      });
    },
  };
}
