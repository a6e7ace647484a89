/**
 * A local SendGrid: the v3 Mail Send endpoint as documented (JSON, Bearer key, 202 with
 * `X-Message-Id`, 400 with `{ errors: [{ message, field, help }] }`), plus signed Event
 * Webhook posts made with its own ECDSA P-256 key.
 *
 * https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { startHttpFake, type FakeReply, type HttpFakeControls, type RecordedRequest } from './messaging-http-fake.ts';

/** A request to the fake, with its JSON body parsed (undefined when it was not JSON). */
export interface SendgridRequest extends RecordedRequest {
  json: unknown;
}

/** An email the fake accepted. */
export interface SendgridSentMail {
  messageId: string;
  /** The request body, as SendGrid received it. */
  body: SendgridMailBody;
}

/** The parts of the v3 mail body the fake reads. */
export interface SendgridMailBody {
  personalizations: Array<{ to: Array<{ email: string; name?: string }>; subject?: string; custom_args?: Record<string, string> }>;
  from: { email: string; name?: string };
  subject?: string;
  content?: Array<{ type: string; value: string }>;
  template_id?: string;
  custom_args?: Record<string, string>;
  tracking_settings?: Record<string, unknown>;
}

/** An Event Webhook post, ready to send. */
export interface SignedSendgridEvents {
  body: string;
  headers: Record<string, string>;
}

/** The fake and its controls. */
export interface SendgridFake extends HttpFakeControls<SendgridRequest> {
  readonly apiKey: string;
  /** Emails accepted (202), oldest first. */
  readonly sent: SendgridSentMail[];
  /** The Event Webhook verification key, as SendGrid shows it (base64 DER SubjectPublicKeyInfo). */
  readonly publicKey: string;
  /** A realistic event for an accepted email (`sg_message_id`, custom args copied to the top level, …). */
  eventFor(messageId: string, event: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Signs events as SendGrid does: ECDSA P-256/SHA-256 over timestamp + body, base64 DER. */
  signEvents(events: unknown[], timestamp?: string): SignedSendgridEvents;
  /** Posts signed events to `url` (our webhook), as SendGrid would. */
  postEvents(url: string, events: unknown[], options?: { timestamp?: string; tamper?: boolean }): Promise<Response>;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';

interface SendgridError {
  message: string;
  field: string | null;
  help: string | null;
}

function looksLikeEmail(v: unknown): boolean {
  // Dot-atom rules: no leading, trailing or consecutive dots in either part.
  return typeof v === 'string' && /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+$/.test(v) && !/(^\.|\.\.|\.@|@\.)/.test(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The checks SendGrid makes on a mail body, with its wording; an empty list means valid. */
export function validateMailBody(body: unknown): SendgridError[] {
  if (!isObject(body)) return [{ message: 'Bad Request', field: null, help: null }];
  const errors: SendgridError[] = [];
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push({ message: 'The personalizations field is required and must have at least one personalization.', field: 'personalizations', help: `${HELP}#-Personalizations-Errors` });
  } else {
    personalizations.forEach((p: unknown, i) => {
      const to = isObject(p) ? p.to : undefined;
      if (!Array.isArray(to) || to.length === 0) {
        errors.push({ message: 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.', field: `personalizations.${i}.to`, help: `${HELP}#message.personalizations.to` });
        return;
      }
      to.forEach((r: unknown, j) => {
        if (!isObject(r) || !looksLikeEmail(r.email)) {
          errors.push({ message: 'Does not contain a valid address.', field: `personalizations.${i}.to.${j}.email`, help: `${HELP}#message.personalizations.to` });
        }
      });
    });
  }
  const from = body.from;
  if (!isObject(from)) {
    errors.push({ message: 'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', field: 'from', help: `${HELP}#message.from` });
  } else if (!looksLikeEmail(from.email)) {
    errors.push({ message: 'The from email does not contain a valid address.', field: 'from.email', help: `${HELP}#message.from` });
  }
  const everyHasSubject = Array.isArray(personalizations) && personalizations.length > 0 && personalizations.every((p: unknown) => isObject(p) && typeof p.subject === 'string' && p.subject !== '');
  if (typeof body.template_id !== 'string' && !(typeof body.subject === 'string' && body.subject !== '') && !everyHasSubject) {
    errors.push({ message: 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', field: 'subject', help: `${HELP}#message.subject` });
  }
  const content = body.content;
  if (typeof body.template_id !== 'string') {
    if (!Array.isArray(content) || content.length === 0) {
      errors.push({ message: 'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.', field: 'content', help: `${HELP}#message.content` });
    } else {
      content.forEach((c: unknown, i) => {
        if (!isObject(c) || typeof c.value !== 'string' || c.value === '') {
          errors.push({ message: 'The content value must be a string at least one character in length.', field: `content.${i}.value`, help: `${HELP}#message.content.value` });
        }
      });
      const types = content.map((c: unknown) => (isObject(c) ? c.type : undefined));
      const plain = types.indexOf('text/plain');
      if (plain > 0) {
        errors.push({ message: 'If present, text/plain content must be first, followed by text/html, followed by any other content.', field: `content.${plain}.type`, help: `${HELP}#message.content.type` });
      }
    }
  }
  for (const key of ['custom_args'] as const) {
    const args = body[key];
    if (args !== undefined && (!isObject(args) || Object.values(args).some((v) => typeof v !== 'string'))) {
      errors.push({ message: 'Invalid type. Expected: string, given: non-string.', field: key, help: null });
    }
  }
  return errors;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'The provided authorization grant is invalid, expired, or revoked', 403: 'access forbidden',
  404: 'not found', 413: 'Payload Too Large', 429: 'too many requests', 500: 'internal server error', 502: 'bad gateway', 503: 'service unavailable',
};

function errorReply(status: number, errors: SendgridError[]): FakeReply {
  const headers: Record<string, string> = status === 429 ? { 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60) } : {};
  return { status, headers, body: { errors } };
}

/** Starts a SendGrid fake on 127.0.0.1, port 0. Close it in `afterAll`. */
export async function startSendgridFake(options: { apiKey?: string } = {}): Promise<SendgridFake> {
  const apiKey = options.apiKey ?? 'SG.test-key.fake-secret';
  const sent: SendgridSentMail[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  const controls = await startHttpFake<SendgridRequest>({
    record: (base) => {
      let json: unknown;
      try {
        json = base.rawBody ? JSON.parse(base.rawBody) : undefined;
      } catch {
        json = undefined;
      }
      return { ...base, json };
    },
    failure: (status) => errorReply(status, [{ message: STATUS_TEXT[status] ?? 'error', field: null, help: null }]),
    handle: (req) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        return errorReply(401, [{ message: STATUS_TEXT[401] ?? '', field: null, help: null }]);
      }
      if (req.method !== 'POST' || req.path.split('?')[0] !== '/v3/mail/send') return errorReply(404, [{ message: 'not found', field: null, help: null }]);
      if (!/^application\/json/.test(req.headers['content-type'] ?? '') || req.json === undefined) {
        return errorReply(400, [{ message: 'Bad Request', field: null, help: null }]);
      }
      const errors = validateMailBody(req.json);
      if (errors.length > 0) return errorReply(400, errors);
      const messageId = randomBytes(16).toString('base64url');
      sent.push({ messageId, body: req.json as SendgridMailBody });
      return { status: 202, headers: { 'X-Message-Id': messageId } };
    },
  });

  const signEvents = (events: unknown[], timestamp = String(Math.floor(Date.now() / 1000))): SignedSendgridEvents => {
    const body = JSON.stringify(events);
    return { body, headers: signatureHeaders(privateKey, timestamp, body) };
  };

  return {
    ...controls,
    apiKey,
    sent,
    publicKey: publicKeyB64,
    eventFor(messageId, event, extra = {}) {
      const mail = sent.find((m) => m.messageId === messageId);
      const customArgs = { ...mail?.body.custom_args, ...mail?.body.personalizations[0]?.custom_args };
      const detail: Record<string, unknown> =
        event === 'bounce' ? { type: 'bounce', reason: '550 5.1.1 The email account that you tried to reach does not exist.', status: '5.1.1' }
          : event === 'dropped' ? { reason: 'Bounced Address', status: '5.0.0' }
            : event === 'deferred' ? { response: '400 try again later', attempt: '1' }
              : event === 'delivered' ? { response: '250 OK', ip: '168.1.1.1', tls: 1 }
                : {};
      return {
        email: mail?.body.personalizations[0]?.to[0]?.email ?? 'unknown@example.com',
        timestamp: Math.floor(Date.now() / 1000),
        'smtp-id': `<${messageId}@ismtpd0001p1lon1.sendgrid.net>`,
        event,
        category: [],
        sg_event_id: randomBytes(16).toString('base64url'),
        sg_message_id: `${messageId}.filterdrecv-5645d9c87f-6r2ch-1-5D2F8AA2-4B.0`,
        ...customArgs,
        ...detail,
        ...extra,
      };
    },
    signEvents,
    async postEvents(url, events, opts = {}) {
      const signed = signEvents(events, opts.timestamp);
      // Tampering changes the body after signing, as a forged or altered post would.
      const body = opts.tamper ? signed.body.replace(/"event":"(\w+)"/, '"event":"delivered"').replace(/}\]$/, ',"x":1}]') : signed.body;
      return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': 'SendGrid Event API', ...signed.headers }, body });
    },
  };
}

function signatureHeaders(privateKey: KeyObject, timestamp: string, body: string): Record<string, string> {
  const signature = sign('sha256', Buffer.from(timestamp + body, 'utf8'), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  return { 'X-Twilio-Email-Event-Webhook-Signature': signature, 'X-Twilio-Email-Event-Webhook-Timestamp': timestamp };
}
