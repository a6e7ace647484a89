import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TwilioConfig } from '../../../config/schema.ts';
import { startTwilioFake, type TwilioFake } from '../../../tests/fakes/twilio.ts';
import { createTwilioProvider, parseTwilioStatus, verifyTwilioSignature, TWILIO_SIGNATURE_HEADER } from './twilio.ts';
import { ProviderError, type SmsMessage, type SmsProvider } from './types.ts';

const PATIENT = '+33612345678';
const sms = (over: Partial<SmsMessage> = {}): SmsMessage => ({
  to: PATIENT,
  body: 'Cabinet du Parc : votre téléconsultation est confirmée. Salle d\'attente : https://tc.example.org/p/abc',
  messageRef: 'msg_1',
  statusCallbackUrl: 'https://tc.example.org/webhooks/twilio/status?ref=msg_1',
  ...over,
});

async function caught(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

describe('Twilio provider (against the local fake)', () => {
  let fake: TwilioFake;
  let cfg: TwilioConfig;
  let provider: SmsProvider;

  beforeAll(async () => {
    fake = await startTwilioFake();
    cfg = { accountSid: fake.accountSid, authToken: fake.authToken, from: '+33700000001', messagingServiceSid: undefined, apiUrl: fake.url };
    provider = createTwilioProvider(cfg);
  });
  afterAll(() => fake.close());

  it('creates the message through the SDK, with Basic auth, the form fields and the status callback', async () => {
    const before = fake.requests.length;
    const { providerId } = await provider.sendSms(sms());
    expect(fake.requests.length).toBe(before + 1);
    const req = fake.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.form).toEqual({
      To: PATIENT,
      From: '+33700000001',
      Body: sms().body,
      StatusCallback: 'https://tc.example.org/webhooks/twilio/status?ref=msg_1',
    });
    expect(req.status).toBe(201);
    expect(providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(providerId).toBe(fake.messages.at(-1)!.sid);
    expect(fake.messages.at(-1)!.status).toBe('queued');
  });

  it('sends through the Messaging Service when one is configured (and no StatusCallback when none is given)', async () => {
    const service = `MG${'ab'.repeat(16)}`;
    const viaService = createTwilioProvider({ ...cfg, from: '+33700000001', messagingServiceSid: service });
    const { providerId } = await viaService.sendSms(sms({ statusCallbackUrl: undefined }));
    const req = fake.requests.at(-1)!;
    expect(req.form).toEqual({ To: PATIENT, MessagingServiceSid: service, Body: sms().body });
    expect(fake.messages.at(-1)).toEqual(jasmine.objectContaining({ sid: providerId, status: 'accepted', from: null }));
  });

  it('refuses a number that is not E.164 before calling Twilio', async () => {
    const before = fake.requests.length;
    const err = await caught(provider.sendSms(sms({ to: '06 12 34 56 78' })));
    expect(err.code).toBe('SMS_INVALID_NUMBER');
    expect(err.retryable).toBeFalse();
    expect(fake.requests.length).toBe(before);
  });

  it('maps 21610 (opted out) to SMS_OPTED_OUT, not retryable, without the number in the message', async () => {
    const number = '+33698765432';
    fake.optOut(number);
    const err = await caught(provider.sendSms(sms({ to: number })));
    expect(err.code).toBe('SMS_OPTED_OUT');
    expect(err.providerCode).toBe(21610);
    expect(err.status).toBe(400);
    expect(err.retryable).toBeFalse();
    expect(err.message).not.toContain('698765432');
    expect(JSON.stringify(err)).not.toContain('698765432');
    expect(fake.requests.at(-1)!.form.To).toBe(number);
  });

  it('maps 21614 (not a mobile) and 21211 (invalid number) to SMS_INVALID_NUMBER', async () => {
    const landline = '+33140000000';
    fake.markLandline(landline);
    const notMobile = await caught(provider.sendSms(sms({ to: landline })));
    expect([notMobile.code, notMobile.providerCode, notMobile.retryable]).toEqual(['SMS_INVALID_NUMBER', 21614, false]);
    expect(notMobile.message).not.toContain('140000000');

    // A well-formed number Twilio still refuses.
    const unknown = '+33600000009';
    fake.markInvalid(unknown);
    const invalid = await caught(provider.sendSms(sms({ to: unknown })));
    expect([invalid.code, invalid.providerCode, invalid.retryable]).toEqual(['SMS_INVALID_NUMBER', 21211, false]);
    expect(invalid.message).not.toContain('600000009');
  });

  it('maps a sender Twilio refuses to PROVIDER_CONFIG', async () => {
    const err = await caught(createTwilioProvider({ ...cfg, from: 'not a valid from!' }).sendSms(sms()));
    expect([err.code, err.providerCode, err.retryable]).toEqual(['PROVIDER_CONFIG', 21212, false]);
  });

  it('maps a wrong auth token to PROVIDER_AUTH (20003)', async () => {
    const err = await caught(createTwilioProvider({ ...cfg, authToken: 'wrong' }).sendSms(sms()));
    expect([err.code, err.providerCode, err.status, err.retryable]).toEqual(['PROVIDER_AUTH', 20003, 401, false]);
  });

  for (const status of [429, 500, 503]) {
    it(`maps ${status} to PROVIDER_UNAVAILABLE (retryable), then succeeds`, async () => {
      fake.failNext(1, status);
      const err = await caught(provider.sendSms(sms()));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.retryable).toBeTrue();
      expect(err.status).toBe(status);
      const ok = await provider.sendSms(sms());
      expect(ok.providerId).toBe(fake.messages.at(-1)!.sid);
    });
  }

  it('maps a dropped connection to PROVIDER_UNAVAILABLE (retryable)', async () => {
    fake.dropNext(1);
    const err = await caught(provider.sendSms(sms()));
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.retryable).toBeTrue();
  });

  it('maps a body over 1600 characters to SMS_REJECTED', async () => {
    const err = await caught(provider.sendSms(sms({ body: 'x'.repeat(1601) })));
    expect([err.code, err.providerCode, err.retryable]).toEqual(['SMS_REJECTED', 21617, false]);
    expect(err.message).not.toContain('xxxx');
  });
});

describe('Twilio status callbacks', () => {
  let fake: TwilioFake;
  let server: Server;
  let received: { url: string; params: Record<string, string>; signature: string }[];
  let base: string;

  beforeAll(async () => {
    fake = await startTwilioFake();
    received = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          url: `${base}${req.url}`,
          params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
          signature: String(req.headers[TWILIO_SIGNATURE_HEADER.toLowerCase()] ?? ''),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((r) => server.close(r));
  });

  async function sendAndCallBack(status: string, opts: { errorCode?: number; badSignature?: boolean } = {}) {
    const provider = createTwilioProvider({ accountSid: fake.accountSid, authToken: fake.authToken, from: '+33700000001', messagingServiceSid: undefined, apiUrl: fake.url });
    const { providerId } = await provider.sendSms(sms({ statusCallbackUrl: `${base}/webhooks/twilio/status?ref=msg_9` }));
    received.length = 0;
    await fake.sendStatusCallback(providerId, status, opts);
    return { providerId, got: received[0]! };
  }

  it('verifies the signature of a callback posted to the StatusCallback URL, and parses it', async () => {
    const { providerId, got } = await sendAndCallBack('delivered');
    expect(got.url).toBe(`${base}/webhooks/twilio/status?ref=msg_9`);
    expect(verifyTwilioSignature(fake.authToken, got.url, got.params, got.signature)).toBeTrue();
    expect(parseTwilioStatus(got.params)).toEqual({ providerId, status: 'delivered' });
  });

  it('carries the error code of a failed message', async () => {
    const { providerId, got } = await sendAndCallBack('undelivered', { errorCode: 30003 });
    expect(verifyTwilioSignature(fake.authToken, got.url, got.params, got.signature)).toBeTrue();
    expect(parseTwilioStatus(got.params)).toEqual({ providerId, status: 'undelivered', errorCode: 30003 });
  });

  it('rejects a wrong token, a changed parameter, another URL and a missing signature', async () => {
    const bad = await sendAndCallBack('sent', { badSignature: true });
    expect(verifyTwilioSignature(fake.authToken, bad.got.url, bad.got.params, bad.got.signature)).toBeFalse();

    const { got } = await sendAndCallBack('sent');
    expect(verifyTwilioSignature(fake.authToken, got.url, got.params, got.signature)).toBeTrue();
    expect(verifyTwilioSignature(fake.authToken, got.url, { ...got.params, MessageStatus: 'delivered' }, got.signature)).toBeFalse();
    expect(verifyTwilioSignature(fake.authToken, got.url.replace('msg_9', 'msg_8'), got.params, got.signature)).toBeFalse();
    expect(verifyTwilioSignature(fake.authToken, got.url, got.params, '')).toBeFalse();
    expect(verifyTwilioSignature('other-token', got.url, got.params, got.signature)).toBeFalse();
  });

  it('refuses callbacks without a valid MessageSid or with an unknown status', () => {
    const sid = `SM${'0'.repeat(32)}`;
    expect(parseTwilioStatus({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '21610', To: PATIENT })).toEqual({ providerId: sid, status: 'failed', errorCode: 21610 });
    for (const params of [{ MessageStatus: 'sent' }, { MessageSid: 'XX1', MessageStatus: 'sent' }, { MessageSid: sid, MessageStatus: 'exploded' }, { MessageSid: sid, MessageStatus: 'sent', ErrorCode: 'abc' }, null, 'MessageSid=SM']) {
      expect(() => parseTwilioStatus(params)).toThrowMatching((e) => e instanceof ProviderError && e.code === 'WEBHOOK_PAYLOAD_INVALID' && !e.message.includes(PATIENT));
    }
  });
});
