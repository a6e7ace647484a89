import { eq } from 'drizzle-orm';
import type { FollowUpEvent } from '#protocol/follow-up';
import * as schema from '../../connector/db/schema/index.ts';
import { csvCell, toCsv } from '../../connector/follow-up/csv.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { eventually, useAppWithHub, type TestApp } from '../support/harness.ts';
import { call, consultationOf, invoiceFor, newPractitioner, paySandbox, signIn } from './follow-up-helpers.ts';
import { cancelTeleconsultation } from './live-helpers.ts';

/** An open `/api/follow-up/events` stream: the events received so far, and whether it ended. */
async function openEvents(t: TestApp, cookie: string) {
  const res = await fetch(`${t.url}/api/follow-up/events`, { headers: { cookie, accept: 'text/event-stream' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: FollowUpEvent[] = [];
  const state = { ended: false, text: '' };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      state.text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = state.text.indexOf('\n\n')) >= 0) {
        const block = state.text.slice(0, cut);
        state.text = state.text.slice(cut + 2);
        const data = /^event: follow-up\ndata: (.*)$/m.exec(block);
        if (data) events.push(JSON.parse(data[1]!) as FollowUpEvent);
      }
    }
    state.ended = true;
  })();
  return { events, state, close: () => reader.cancel().catch(() => undefined) };
}

describe('"Suivi et paiement": export and live events', () => {
  let offsetMs = 0;
  const { t, hub, sendgrid } = useAppWithHub(
    { sendgrid: startSendgridFake },
    ({ sendgrid }) => ({
      env: { SENDGRID_API_KEY: sendgrid.apiKey, SENDGRID_API_URL: sendgrid.url, MAIL_FROM: 'cabinet@example.org', RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000' },
      now: () => new Date(Date.now() + offsetMs),
    }),
  );
  afterEach(() => { offsetMs = 0; });

  describe('the CSV writer', () => {
    it('quotes as RFC 4180 says and neutralises formulas', () => {
      expect(csvCell('plain')).toBe('plain');
      expect(csvCell('a,b')).toBe('"a,b"');
      expect(csvCell('say "hi"')).toBe('"say ""hi"""');
      expect(csvCell('two\nlines')).toBe('"two\nlines"');
      for (const start of ['=', '+', '-', '@', '\t']) expect(csvCell(`${start}1+1`)).withContext(start).toMatch(/^"?'/);
      expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
      expect(toCsv(['a', 'b'], [['1', '2']])).toBe('a,b\r\n1,2\r\n');
    });
  });

  it("exports the period's payment requests, one row each, exact, as an attachment", async () => {
    const p = newPractitioner();
    const first = await consultationOf(t, hub, p, { hoursFromNow: 2, patient: { firstName: '=SUM(A1)', lastName: 'Martin' } });
    const second = await consultationOf(t, hub, p, { hoursFromNow: 3, patient: { firstName: 'Jean, "Jo"', lastName: 'durand' } });
    const theirs = await consultationOf(t, hub, newPractitioner(), { hoursFromNow: 4 });
    const a = await invoiceFor(t, first, '30,50');
    const b = await invoiceFor(t, second, '45');
    await invoiceFor(t, theirs, '99');
    await paySandbox(t, b.url);
    const cookie = await signIn(t, sendgrid, p);

    const res = await call(t, 'GET', '/api/follow-up/payments.csv', { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="paiements-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    // The byte-order mark first (Response.text() would drop it).
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    const db = t.app.services.database.db;
    const [paidRow] = await db.select().from(schema.paymentRequests).where(eq(schema.paymentRequests.id, b.id));
    const local = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }).format(d);
    const [firstRow] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, first.id));
    const [secondRow] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, second.id));
    expect(text.slice(1)).toBe([
      'date,patient,amount,currency,status,paid_at,reference',
      `${local(firstRow!.startsAt)},'=SUM(A1) M.,30.50,EUR,requested,,${a.id}`,
      `${local(secondRow!.startsAt)},"Jean, ""Jo"" D.",45.00,EUR,paid,${local(paidRow!.paidAt!)},${b.id}`,
      '',
    ].join('\r\n'));

    // A period without requests: the header only.
    const empty = await call(t, 'GET', '/api/follow-up/payments.csv?from=2020-01-01&to=2020-01-31', { cookie });
    expect(await empty.text()).toBe('date,patient,amount,currency,status,paid_at,reference\r\n');
    // Named by the period's first and last days, as asked.
    expect(empty.headers.get('content-disposition')).toBe('attachment; filename="paiements-2020-01-01-2020-01-31.csv"');
  });

  it('streams a payment event after the patient pays in the sandbox, and status changes', async () => {
    const p = newPractitioner();
    const tc = await consultationOf(t, hub, p, { hoursFromNow: 2 });
    const other = await consultationOf(t, hub, newPractitioner(), { hoursFromNow: 2 });
    const request = await invoiceFor(t, tc, '30');
    const otherRequest = await invoiceFor(t, other, '30');
    const cookie = await signIn(t, sendgrid, p);
    const stream = await openEvents(t, cookie);
    await paySandbox(t, otherRequest.url);
    await paySandbox(t, request.url);
    const paid = await eventually(() => stream.events.find((e) => e.type === 'payment' && e.payment.status === 'paid'), 'the paid event');
    expect(paid).toEqual(jasmine.objectContaining({ type: 'payment', teleconsultationId: tc.id }));
    await cancelTeleconsultation(t, hub, tc);
    await eventually(() => stream.events.find((e) => e.type === 'status' && e.status === 'cancelled'), 'the status event');
    // Nothing of the other practitioner's consultation.
    expect(stream.events.every((e) => e.teleconsultationId === tc.id)).toBeTrue();
    await stream.close();
  });

  it('ends the stream when the session expires', async () => {
    const p = newPractitioner();
    await consultationOf(t, hub, p);
    const cookie = await signIn(t, sendgrid, p);
    offsetMs = 12 * 3_600_000 - 1500;
    const stream = await openEvents(t, cookie);
    await eventually(() => stream.state.ended, 'the stream ended');
  });
});

describe('"Suivi et paiement": sign-in rate limit', () => {
  const { t, sendgrid } = useAppWithHub(
    { sendgrid: startSendgridFake },
    ({ sendgrid }) => ({ env: { SENDGRID_API_KEY: sendgrid.apiKey, SENDGRID_API_URL: sendgrid.url, MAIL_FROM: 'cabinet@example.org', RATE_LIMIT_SIGN_IN_PER_MINUTE: '3' } }),
  );

  it('answers 429 RATE_LIMITED past the limit per address, sending nothing for the refused ones', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(t, 'POST', '/api/follow-up/sign-in', { body: { email: `n${i}@example.org` } })).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    const refused = await call(t, 'POST', '/api/follow-up/sign-in', { body: { email: 'x@example.org' } });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // Opening links counts in the same policy.
    expect((await fetch(`${t.url}/f/forged.token`, { redirect: 'manual' })).status).toBe(429);
    await t.app.followUp.background.settled();
    expect(sendgrid.sent.length).toBe(0);
  });
});
