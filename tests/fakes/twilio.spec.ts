import twilio from 'twilio';
import { startTwilioFake, twilioSignature, type TwilioFake } from './twilio.ts';

describe('Twilio fake (wire level)', () => {
  let fake: TwilioFake;
  const post = (form: Record<string, string>, auth = `${fake.accountSid}:${fake.authToken}`, sid = fake.accountSid) =>
    fetch(`${fake.url}/2010-04-01/Accounts/${sid}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const valid = { To: '+33612345678', From: '+33700000001', Body: 'Hello', StatusCallback: 'https://example.org/cb?ref=1' };

  beforeAll(async () => {
    fake = await startTwilioFake();
  });
  afterAll(() => fake.close());

  it('answers 201 with the Message resource, and records it', async () => {
    const res = await post(valid);
    expect(res.status).toBe(201);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(json).toEqual(jasmine.objectContaining({ account_sid: fake.accountSid, to: '+33612345678', from: '+33700000001', body: 'Hello', status: 'queued', direction: 'outbound-api', error_code: null }));
    expect(json.uri).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Messages/${String(json.sid)}.json`);
    expect(fake.messages.at(-1)).toEqual({ sid: String(json.sid), to: '+33612345678', from: '+33700000001', messagingServiceSid: null, body: 'Hello', statusCallback: 'https://example.org/cb?ref=1', status: 'queued' });
    expect(fake.requests.at(-1)!.form).toEqual(valid);
  });

  it('uses Twilio’s error shape: auth, account, numbers, opt-out', async () => {
    const expectError = async (res: Response, status: number, code: number) => {
      expect(res.status).toBe(status);
      const json = (await res.json()) as Record<string, unknown>;
      expect(json).toEqual(jasmine.objectContaining({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}` }));
      expect(typeof json.message).toBe('string');
    };
    await expectError(await post(valid, `${fake.accountSid}:wrong`), 401, 20003);
    await expectError(await post(valid, `${fake.accountSid}:${fake.authToken}`, `AC${'f'.repeat(32)}`), 404, 20404);
    await expectError(await post({ ...valid, To: '' }), 400, 21604);
    await expectError(await post({ ...valid, To: '0612345678' }), 400, 21211);
    await expectError(await post({ To: valid.To, Body: 'x' }), 400, 21603);
    await expectError(await post({ ...valid, Body: '' }), 400, 21602);
    fake.optOut('+33611111111');
    await expectError(await post({ ...valid, To: '+33611111111' }), 400, 21610);
    fake.markLandline('+33122222222');
    await expectError(await post({ ...valid, To: '+33122222222' }), 400, 21614);
  });

  it('fails on demand, then recovers', async () => {
    fake.failNext(1, 429);
    const res = await post(valid);
    expect(res.status).toBe(429);
    expect(((await res.json()) as { code: number }).code).toBe(20429);
    expect((await post(valid)).status).toBe(201);
  });

  it('signs status callbacks as the SDK expects', async () => {
    await post(valid);
    const sid = fake.messages.at(-1)!.sid;
    const cb = fake.statusCallback(sid, 'delivered');
    expect(cb.url).toBe('https://example.org/cb?ref=1');
    expect(cb.params).toEqual(jasmine.objectContaining({ MessageSid: sid, MessageStatus: 'delivered', SmsSid: sid, SmsStatus: 'delivered', AccountSid: fake.accountSid, To: '+33612345678' }));
    expect(cb.signature).toBe(twilio.getExpectedTwilioSignature(fake.authToken, cb.url, cb.params));
    expect(twilioSignature('other', cb.url, cb.params)).not.toBe(cb.signature);
    expect(fake.statusCallback(sid, 'failed', { errorCode: 30003 }).params.ErrorCode).toBe('30003');
  });
});
