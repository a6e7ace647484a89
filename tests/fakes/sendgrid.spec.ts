import { createPublicKey, verify } from 'node:crypto';
import { startSendgridFake, type SendgridFake } from './sendgrid.ts';

const valid = {
  personalizations: [{ to: [{ email: 'patient@example.org' }] }],
  from: { email: 'no-reply@clinic.example.org', name: 'Clinic' },
  subject: 'Hello',
  content: [{ type: 'text/plain', value: 'Hi' }, { type: 'text/html', value: '<p>Hi</p>' }],
  custom_args: { message_ref: 'm1' },
};

describe('SendGrid fake (wire level)', () => {
  let fake: SendgridFake;
  const post = (body: unknown, auth = `Bearer ${fake.apiKey}`) =>
    fetch(`${fake.url}/v3/mail/send`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    fake = await startSendgridFake();
  });
  afterAll(() => fake.close());

  it('answers 202 with an empty body and X-Message-Id, and records the mail', async () => {
    const res = await post(valid);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const id = res.headers.get('x-message-id');
    expect(id).toMatch(/^[\w-]{22}$/);
    expect(fake.sent.at(-1)).toEqual({ messageId: id!, body: valid as never });
    expect(fake.requests.at(-1)!.json).toEqual(valid);
  });

  it('answers 401 with SendGrid’s error shape for a wrong key', async () => {
    const res = await post(valid, 'Bearer SG.nope');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] });
  });

  it('answers 400 naming each invalid field', async () => {
    const cases: Array<[unknown, string[]]> = [
      [{ ...valid, subject: undefined }, ['subject']],
      [{ ...valid, content: [] }, ['content']],
      [{ ...valid, content: [{ type: 'text/html', value: '<p>x</p>' }, { type: 'text/plain', value: 'x' }] }, ['content.1.type']],
      [{ ...valid, content: [{ type: 'text/plain', value: '' }] }, ['content.0.value']],
      [{ ...valid, personalizations: [{ to: [{ email: 'nope' }] }] }, ['personalizations.0.to.0.email']],
      [{ ...valid, personalizations: [] }, ['personalizations']],
      [{ ...valid, from: { email: 'x' } }, ['from.email']],
      [{ ...valid, custom_args: { n: 1 } }, ['custom_args']],
    ];
    for (const [body, fields] of cases) {
      const res = await post(body);
      expect(res.status).withContext(fields.join()).toBe(400);
      const json = (await res.json()) as { errors: Array<{ message: string; field: string; help: string | null }> };
      expect(json.errors.map((e) => e.field)).toEqual(fields);
      expect(json.errors.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBeTrue();
    }
  });

  it('fails on demand, then recovers; drops connections on demand', async () => {
    fake.failNext(2, 503);
    expect((await post(valid)).status).toBe(503);
    const second = await post(valid);
    expect(second.status).toBe(503);
    expect(await second.json()).toEqual({ errors: [{ message: 'service unavailable', field: null, help: null }] });
    expect((await post(valid)).status).toBe(202);
    fake.dropNext(1);
    await expectAsync(post(valid)).toBeRejected();
    expect(fake.requests.at(-1)!.status).toBe(0);
    expect((await post(valid)).status).toBe(202);
  });

  it('signs event posts with a P-256 key whose public half is base64 DER', () => {
    const signed = fake.signEvents([{ event: 'delivered' }], '1700000000');
    const key = createPublicKey({ key: Buffer.from(fake.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const sig = Buffer.from(signed.headers['X-Twilio-Email-Event-Webhook-Signature']!, 'base64');
    expect(signed.headers['X-Twilio-Email-Event-Webhook-Timestamp']).toBe('1700000000');
    expect(verify('sha256', Buffer.from(`1700000000${signed.body}`), { key, dsaEncoding: 'der' }, sig)).toBeTrue();
    expect(verify('sha256', Buffer.from(`1700000001${signed.body}`), { key, dsaEncoding: 'der' }, sig)).toBeFalse();
  });
});
