import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { startSendgridFake, type SendgridFake } from '../../../tests/fakes/sendgrid.ts';
import { createSendgridProvider, parseSendgridEvents, verifySendgridEvents, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER } from './sendgrid.ts';
import { ProviderError, type EmailMessage, type EmailProvider } from './types.ts';

const mail = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  to: 'camille.durand@example.org',
  subject: 'Confirmation de votre téléconsultation',
  html: '<p>Bonjour Camille</p>',
  text: 'Bonjour Camille',
  fromName: 'Cabinet du Parc',
  messageRef: 'msg_123',
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

describe('SendGrid provider (against the local fake)', () => {
  let fake: SendgridFake;
  let provider: EmailProvider;

  beforeAll(async () => {
    fake = await startSendgridFake();
    provider = createSendgridProvider({ apiKey: fake.apiKey, apiUrl: fake.url, webhookPublicKey: fake.publicKey }, 'no-reply@cabinet.example.org');
  });
  afterAll(() => fake.close());

  it('sends the email through the SDK and returns the X-Message-Id', async () => {
    const before = fake.requests.length;
    const result = await provider.sendEmail(mail());
    expect(fake.requests.length).toBe(before + 1);
    const req = fake.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v3/mail/send');
    expect(req.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.status).toBe(202);
    const sent = fake.sent.at(-1)!;
    expect(result.providerId).toBe(sent.messageId);
    expect(result.providerId).toMatch(/^[\w-]{22}$/);
    const body = sent.body;
    expect(body.personalizations[0]!.to).toEqual([{ email: 'camille.durand@example.org' }]);
    expect(body.from).toEqual({ email: 'no-reply@cabinet.example.org', name: 'Cabinet du Parc' });
    expect(body.subject).toBe('Confirmation de votre téléconsultation');
    expect(body.content).toEqual([
      { type: 'text/plain', value: 'Bonjour Camille' },
      { type: 'text/html', value: '<p>Bonjour Camille</p>' },
    ]);
    expect(body.custom_args).toEqual({ message_ref: 'msg_123' });
    expect(body.tracking_settings).toEqual({ click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: false } });
  });

  it('refuses a malformed address before calling SendGrid', async () => {
    const before = fake.requests.length;
    const err = await caught(provider.sendEmail(mail({ to: 'not-an-address' })));
    expect(err.code).toBe('EMAIL_INVALID_ADDRESS');
    expect(err.retryable).toBeFalse();
    expect(fake.requests.length).toBe(before);
    expect(err.message).not.toContain('not-an-address');
  });

  it('maps a 400 on the recipient to EMAIL_INVALID_ADDRESS and another 400 to EMAIL_REJECTED, without the address or body in the message', async () => {
    // An address our loose check lets through but SendGrid refuses.
    const err = await caught(provider.sendEmail(mail({ to: 'camille..durand@example.org' })));
    expect(err.code).toBe('EMAIL_INVALID_ADDRESS');
    expect(err.status).toBe(400);
    expect(fake.requests.at(-1)!.status).toBe(400);

    const empty = await caught(provider.sendEmail(mail({ subject: '' })));
    expect(empty.code).toBe('EMAIL_REJECTED');
    expect(empty.retryable).toBeFalse();
    expect(empty.message).toContain('subject');
    expect(empty.message).not.toContain('camille');
    expect(empty.message).not.toContain('Bonjour');
  });

  it('maps 401 to PROVIDER_AUTH (not retryable)', async () => {
    const wrong = createSendgridProvider({ apiKey: 'SG.wrong', apiUrl: fake.url, webhookPublicKey: undefined }, 'no-reply@cabinet.example.org');
    const err = await caught(wrong.sendEmail(mail()));
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(err.retryable).toBeFalse();
    expect(err.status).toBe(401);
    expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer SG.wrong');
  });

  for (const status of [429, 500, 503]) {
    it(`maps ${status} to PROVIDER_UNAVAILABLE (retryable), then succeeds`, async () => {
      fake.failNext(1, status);
      const err = await caught(provider.sendEmail(mail()));
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.retryable).toBeTrue();
      expect(err.status).toBe(status);
      expect(err.cause).toBeDefined();
      const ok = await provider.sendEmail(mail());
      expect(ok.providerId).toBe(fake.sent.at(-1)!.messageId);
    });
  }

  it('maps a dropped connection to PROVIDER_UNAVAILABLE (retryable)', async () => {
    fake.dropNext(1);
    const err = await caught(provider.sendEmail(mail()));
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.retryable).toBeTrue();
    expect(err.status).toBeUndefined();
  });

  it('maps a refused connection to PROVIDER_UNAVAILABLE', async () => {
    const closed = await startSendgridFake();
    const url = closed.url;
    await closed.close();
    const offline = createSendgridProvider({ apiKey: fake.apiKey, apiUrl: url, webhookPublicKey: undefined }, 'no-reply@cabinet.example.org');
    const err = await caught(offline.sendEmail(mail()));
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('SendGrid event webhook', () => {
  let fake: SendgridFake;
  let server: Server;
  let received: { body: string; headers: Record<string, string | string[] | undefined> }[];
  let webhookUrl: string;

  beforeAll(async () => {
    fake = await startSendgridFake();
    received = [];
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/sendgrid`;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise((r) => server.close(r));
  });

  async function deliver(events: unknown[], tamper = false) {
    received.length = 0;
    await fake.postEvents(webhookUrl, events, { tamper });
    const got = received[0]!;
    return {
      raw: got.body,
      signature: String(got.headers[SENDGRID_SIGNATURE_HEADER.toLowerCase()]),
      timestamp: String(got.headers[SENDGRID_TIMESTAMP_HEADER.toLowerCase()]),
    };
  }

  it('accepts a post signed with the key SendGrid shows, and parses its events', async () => {
    const provider = createSendgridProvider({ apiKey: fake.apiKey, apiUrl: fake.url, webhookPublicKey: fake.publicKey }, 'no-reply@cabinet.example.org');
    const { providerId } = await provider.sendEmail(mail({ messageRef: 'msg_evt' }));
    const post = await deliver([fake.eventFor(providerId, 'processed'), fake.eventFor(providerId, 'delivered'), fake.eventFor(providerId, 'bounce')]);
    expect(verifySendgridEvents(fake.publicKey, post.raw, post.signature, post.timestamp)).toBeTrue();
    expect(verifySendgridEvents(fake.publicKey, Buffer.from(post.raw), post.signature, post.timestamp)).toBeTrue();

    const events = parseSendgridEvents(JSON.parse(post.raw));
    expect(events.map((e) => e.event)).toEqual(['processed', 'delivered', 'bounce']);
    for (const e of events) {
      expect(e.messageRef).toBe('msg_evt');
      expect(e.providerId).toBe(providerId);
      expect(e.at).toBeInstanceOf(Date);
      expect(Math.abs(e.at.getTime() - Date.now())).toBeLessThan(120_000);
      expect(JSON.stringify(e)).not.toContain('camille');
    }
    expect(events[2]!.bounceType).toBe('bounce');
    expect(events[0]!.eventId).toMatch(/^[\w-]+$/);
  });

  it('rejects a tampered body, another timestamp, another key, and garbage', async () => {
    const post = await deliver([{ event: 'bounce', timestamp: 1_700_000_000, sg_message_id: 'abc.filter', message_ref: 'm1' }], true);
    expect(verifySendgridEvents(fake.publicKey, post.raw, post.signature, post.timestamp)).toBeFalse();

    const good = await deliver([{ event: 'delivered', timestamp: 1_700_000_000, sg_message_id: 'abc.filter', message_ref: 'm1' }]);
    expect(verifySendgridEvents(fake.publicKey, good.raw, good.signature, good.timestamp)).toBeTrue();
    expect(verifySendgridEvents(fake.publicKey, good.raw, good.signature, String(Number(good.timestamp) + 1))).toBeFalse();

    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(verifySendgridEvents(other, good.raw, good.signature, good.timestamp)).toBeFalse();

    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(verifySendgridEvents(rsa, good.raw, good.signature, good.timestamp)).toBeFalse();
    expect(verifySendgridEvents('not a key', good.raw, good.signature, good.timestamp)).toBeFalse();
    expect(verifySendgridEvents(fake.publicKey, good.raw, '', good.timestamp)).toBeFalse();
    expect(verifySendgridEvents(fake.publicKey, good.raw, 'AAAA', good.timestamp)).toBeFalse();
  });

  it('accepts the key in PEM form too', () => {
    const signed = fake.signEvents([{ event: 'open', timestamp: 1 }], '1700000000');
    const pem = `-----BEGIN PUBLIC KEY-----\n${fake.publicKey.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
    expect(verifySendgridEvents(pem, signed.body, signed.headers[SENDGRID_SIGNATURE_HEADER]!, '1700000000')).toBeTrue();
  });

  it('skips unknown or incomplete events and refuses a body that is not an array', () => {
    const events = parseSendgridEvents([
      { event: 'delivered', timestamp: 1_700_000_000, sg_message_id: 'ID1.filter0001.0', message_ref: 'm1' },
      { event: 'delivered', timestamp: 1_700_000_000, sg_message_id: 'ID2.filter0001.0' },
      { event: 'teleported', timestamp: 1_700_000_000, message_ref: 'm3' },
      { event: 'delivered', message_ref: 'm4' },
      { event: 'delivered', timestamp: 1_700_000_000 },
      'junk',
      null,
    ]);
    expect(events).toEqual([
      { messageRef: 'm1', providerId: 'ID1', event: 'delivered', bounceType: undefined, eventId: undefined, at: new Date(1_700_000_000_000) },
      { messageRef: undefined, providerId: 'ID2', event: 'delivered', bounceType: undefined, eventId: undefined, at: new Date(1_700_000_000_000) },
    ]);
    for (const body of [{ event: 'delivered' }, 'x', null, undefined]) {
      expect(() => parseSendgridEvents(body)).toThrowMatching((e) => e instanceof ProviderError && e.code === 'WEBHOOK_PAYLOAD_INVALID');
    }
  });
});
