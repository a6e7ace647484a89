import { count, eq } from 'drizzle-orm';
import type { FollowUpDetail, FollowUpList, FollowUpMe } from '#protocol/follow-up';
import * as schema from '../../connector/db/schema/index.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { useAppWithHub } from '../support/harness.ts';
import {
  askSignIn, call, consultationOf, invoiceFor, mailsTo, newPractitioner, openSignIn, paySandbox, signIn, signInPathIn,
} from './follow-up-helpers.ts';
import { cancelTeleconsultation, makeTeleconsultation } from './live-helpers.ts';

describe('"Suivi et paiement"', () => {
  let offsetMs = 0;
  const { t, hub, sendgrid } = useAppWithHub(
    { sendgrid: startSendgridFake },
    ({ sendgrid }) => ({
      env: { SENDGRID_API_KEY: sendgrid.apiKey, SENDGRID_API_URL: sendgrid.url, MAIL_FROM: 'cabinet@example.org', SIGN_IN_LINK_MINUTES: '15', FOLLOW_UP_SESSION_HOURS: '12',
        // The suite signs in far more often than a person would; the limit has its own spec.
        RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
      },
      now: () => new Date(Date.now() + offsetMs),
    }),
  );
  afterEach(() => { offsetMs = 0; });
  const db = () => t.app.services.database.db;
  // The journey's own emails (to patients) arrive meanwhile: count the sign-in emails only.
  const signInMails = () => sendgrid.sent.filter((m) => JSON.stringify(m.body.content ?? []).includes('/f/')).length;
  const rowCount = async (table: typeof schema.signInLinks | typeof schema.followUpSessions) => (await db().select({ n: count() }).from(table))[0]!.n;

  describe('sign-in', () => {
    it('emails a link to a known practitioner (matched whatever the case), whose only hash is stored, and answers 202', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      const res = await askSignIn(t, p.email.toUpperCase());
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ sent: true });
      const mails = mailsTo(sendgrid, p.email);
      expect(mails.length).toBe(1);
      const mail = mails[0]!;
      expect(mail.body.subject ?? mail.body.personalizations[0]!.subject).toContain('Suivi et paiement');
      const path = signInPathIn(mail);
      expect(path).toMatch(/^\/f\/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
      expect(JSON.stringify(mail.body.content)).toContain(`${t.config.publicUrl}${path}`);
      const rawId = path.slice(3).split('.')[0]!;
      const links = await db().select().from(schema.signInLinks).where(eq(schema.signInLinks.practitionerId, p.id));
      expect(links.length).toBe(1);
      expect(links[0]!.idHash).not.toContain(rawId);
      expect(links[0]!.idHash).toMatch(/^[0-9a-f]{64}$/);
      expect(links[0]!.expiresAt.getTime() - links[0]!.createdAt.getTime()).toBe(15 * 60_000);
    });

    it('sends one link per clinic where the email is a practitioner, each opening that clinic only', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      await consultationOf(t, hub, p, { clinicId: 'clinic_lyon_2' });
      await askSignIn(t, p.email);
      const mails = mailsTo(sendgrid, p.email);
      expect(mails.length).toBe(2);
      for (const mail of mails) expect((await openSignIn(t, signInPathIn(mail))).res.status).toBe(303);
      const sessions = await db().select().from(schema.followUpSessions).where(eq(schema.followUpSessions.practitionerId, p.id));
      expect(sessions.map((x) => x.clinicId).sort()).toEqual(['clinic_lyon_2', 'clinic_paris_11']);
    });

    it('writes in English when asked', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      await askSignIn(t, p.email, 'en');
      const mail = mailsTo(sendgrid, p.email)[0]!;
      expect(mail.body.subject ?? mail.body.personalizations[0]!.subject).toContain('Follow-up and payment');
    });

    it('answers the same 202 to an unknown email and sends nothing, records nothing', async () => {
      const sentBefore = signInMails();
      const linksBefore = await rowCount(schema.signInLinks);
      const res = await askSignIn(t, 'nobody-here@example.org');
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ sent: true });
      expect(mailsTo(sendgrid, 'nobody-here@example.org').length).toBe(0);
      expect(signInMails()).toBe(sentBefore);
      expect(await rowCount(schema.signInLinks)).toBe(linksBefore);
    });

    it('refuses a malformed body with 400 VALIDATION_FAILED, sending nothing', async () => {
      const sentBefore = signInMails();
      for (const body of [{}, { email: 'not an email' }, { email: 42 }, { email: 'a@b.example', language: 'de' }]) {
        const res = await call(t, 'POST', '/api/follow-up/sign-in', { body });
        expect(res.status).withContext(JSON.stringify(body)).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
      }
      await t.app.followUp.background.settled();
      expect(signInMails()).toBe(sentBefore);
    });

    it('stops sending once a practitioner was sent five links within a link lifetime', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      for (let i = 0; i < 7; i++) expect((await askSignIn(t, p.email)).status).toBe(202);
      expect(mailsTo(sendgrid, p.email).length).toBe(5);
    });

    it('opens a session from the link: signed HttpOnly Lax cookie, 303 to the page, and /me answers', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      await askSignIn(t, p.email);
      const { res, cookie } = await openSignIn(t, signInPathIn(mailsTo(sendgrid, p.email)[0]!));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/app/follow-up');
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(cookie.startsWith('tc_follow_up=')).toBeTrue();
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Lax/i);
      expect(setCookie).not.toMatch(/Secure/i);
      const me = await call(t, 'GET', '/api/follow-up/me', { cookie });
      expect(me.status).toBe(200);
      const body = (await me.json()) as FollowUpMe;
      expect(body.practitioner.name).toBe(p.name);
      expect(new Date(body.expiresAt).getTime() - Date.now()).toBeGreaterThan(11.9 * 3_600_000);
      const [session] = await db().select().from(schema.followUpSessions).where(eq(schema.followUpSessions.practitionerId, p.id));
      expect(session!.clinicId).toBe(hub.makeAppointment().clinicId);
    });

    it('refuses an expired link with the error page (SIGN_IN_LINK_EXPIRED) and creates no session', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      await askSignIn(t, p.email);
      const path = signInPathIn(mailsTo(sendgrid, p.email)[0]!);
      offsetMs = 16 * 60_000;
      const sessionsBefore = await rowCount(schema.followUpSessions);
      const { res, cookie } = await openSignIn(t, path);
      expect(res.status).toBe(410);
      expect(await res.text()).toContain('SIGN_IN_LINK_EXPIRED');
      expect(cookie).toBe('');
      expect(await rowCount(schema.followUpSessions)).toBe(sessionsBefore);
    });

    it('opens sessions again within its lifetime, and nothing once reused past it', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      await askSignIn(t, p.email);
      const path = signInPathIn(mailsTo(sendgrid, p.email)[0]!);
      expect((await openSignIn(t, path)).res.status).toBe(303);
      offsetMs = 5 * 60_000;
      expect((await openSignIn(t, path)).res.status).toBe(303);
      offsetMs = 20 * 60_000;
      const sessionsBefore = await rowCount(schema.followUpSessions);
      const reused = await openSignIn(t, path);
      expect(reused.res.status).toBe(410);
      expect(reused.cookie).toBe('');
      expect(await rowCount(schema.followUpSessions)).toBe(sessionsBefore);
    });

    it('refuses a forged or unknown token with SIGN_IN_LINK_INVALID / EXPIRED, creating nothing', async () => {
      const sessionsBefore = await rowCount(schema.followUpSessions);
      const forged = await fetch(`${t.url}/f/AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB`, { headers: { accept: 'application/json' }, redirect: 'manual' });
      expect(forged.status).toBe(404);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe('SIGN_IN_LINK_INVALID');
      // A consultation link's token is not a sign-in link (another purpose in the MAC).
      const tc = await consultationOf(t, hub, newPractitioner());
      const swapped = await fetch(`${t.url}/f/${tc.practitionerToken}`, { headers: { accept: 'application/json' }, redirect: 'manual' });
      expect(swapped.status).toBe(404);
      expect(await rowCount(schema.followUpSessions)).toBe(sessionsBefore);
    });

    it('signs out: the session no longer opens anything', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      const cookie = await signIn(t, sendgrid, p);
      expect((await call(t, 'POST', '/api/follow-up/sign-out', { cookie })).status).toBe(204);
      const after = await call(t, 'GET', '/api/follow-up/consultations', { cookie });
      expect(after.status).toBe(401);
      expect(((await after.json()) as { error: { code: string } }).error.code).toBe('FOLLOW_UP_SESSION_REQUIRED');
    });

    it('expires the session after FOLLOW_UP_SESSION_HOURS', async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      const cookie = await signIn(t, sendgrid, p);
      offsetMs = 12 * 3_600_000 + 1000;
      expect((await call(t, 'GET', '/api/follow-up/me', { cookie })).status).toBe(401);
    });

    it("sends the link in one click from a consultation's panel, to that consultation's practitioner, said masked", async () => {
      const p = newPractitioner();
      const tc = await consultationOf(t, hub, p);
      const { openLink } = await import('./live-helpers.ts');
      const panel = await openLink(t.url, tc.practitionerToken);
      const res = await call(t, 'POST', `/api/live/${tc.id}/practitioner/follow-up-link`, { cookie: panel.cookie });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ sentTo: `d…@cabinet.example.com` });
      await t.app.followUp.background.settled();
      const mails = mailsTo(sendgrid, p.email);
      expect(mails.length).toBe(1);
      expect((await openSignIn(t, signInPathIn(mails[0]!))).res.status).toBe(303);
      // Without the consultation's session: refused, nothing sent.
      const refused = await call(t, 'POST', `/api/live/${tc.id}/practitioner/follow-up-link`);
      expect(refused.status).toBe(401);
      await t.app.followUp.background.settled();
      expect(mailsTo(sendgrid, p.email).length).toBe(1);
    });
  });

  it('refuses the one-click link with 409 PRACTITIONER_EMAIL_MISSING when the agenda gives no usable email, sending nothing', async () => {
    const p = { ...newPractitioner(), email: 'no-address' };
    const tc = await consultationOf(t, hub, p);
    const { openLink } = await import('./live-helpers.ts');
    const panel = await openLink(t.url, tc.practitionerToken);
    const linksBefore = await rowCount(schema.signInLinks);
    const res = await call(t, 'POST', `/api/live/${tc.id}/practitioner/follow-up-link`, { cookie: panel.cookie });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PRACTITIONER_EMAIL_MISSING');
    await t.app.followUp.background.settled();
    expect(await rowCount(schema.signInLinks)).toBe(linksBefore);
  });

  describe('the list', () => {
    it('refuses every route without a session with 401 FOLLOW_UP_SESSION_REQUIRED', async () => {
      const tc = await consultationOf(t, hub, newPractitioner());
      for (const [method, path] of [
        ['GET', '/api/follow-up/me'], ['GET', '/api/follow-up/consultations'], ['GET', `/api/follow-up/consultations/${tc.id}`],
        ['POST', `/api/follow-up/consultations/${tc.id}/payment/resend`], ['GET', '/api/follow-up/payments.csv'], ['GET', '/api/follow-up/events'],
      ] as const) {
        const res = await call(t, method, path, { cookie: 'tc_follow_up=forged.value' });
        expect(res.status).withContext(path).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).withContext(path).toBe('FOLLOW_UP_SESSION_REQUIRED');
      }
    });

    it("lists the practitioner's own consultations of the period only, newest first, with payment and counts", async () => {
      const p = newPractitioner();
      const other = newPractitioner();
      const tomorrow = await consultationOf(t, hub, p, { hoursFromNow: 24 });
      const lastWeek = await consultationOf(t, hub, p, { hoursFromNow: -24 * 7 });
      const longAgo = await consultationOf(t, hub, p, { hoursFromNow: -24 * 60 });
      const theirs = await consultationOf(t, hub, other, { hoursFromNow: 2 });
      // Same practitioner id in another clinic is someone else.
      const otherClinic = await consultationOf(t, hub, p, { clinicId: 'clinic_elsewhere', hoursFromNow: 3, practitioner: { email: `elsewhere.${p.email}` } });
      const started = new Date(Date.now() - 24 * 7 * 3_600_000);
      await db().update(schema.teleconsultations).set({ status: 'ended', startedAt: started, endedAt: new Date(started.getTime() + 754_000) }).where(eq(schema.teleconsultations.id, lastWeek.id));
      await db().insert(schema.chatMessages).values([{ teleconsultationId: lastWeek.id, sender: 'patient', text: 'Bonjour' }, { teleconsultationId: lastWeek.id, sender: 'practitioner', text: 'Bonjour !' }]);
      await invoiceFor(t, tomorrow, '35');
      const cookie = await signIn(t, sendgrid, p);

      const res = await call(t, 'GET', '/api/follow-up/consultations', { cookie });
      expect(res.status).toBe(200);
      const list = (await res.json()) as FollowUpList;
      expect(list.items.map((i) => i.id)).toEqual([tomorrow.id, lastWeek.id]);
      const [a, b] = list.items;
      expect(a!.patientName).toBe(`${tomorrow.appointment.patient.firstName} ${tomorrow.appointment.patient.lastName[0]}.`);
      expect(a!.reasonLabel).toBe(tomorrow.appointment.reason.label);
      expect(a!.payment?.amount).toEqual({ value: 3500, currency: 'EUR' });
      expect(a!.payment?.status).toBe('requested');
      expect(a!.joinUrl).toBe(`/api/follow-up/consultations/${tomorrow.id}/join`);
      expect(a!.actualDurationSeconds).toBeNull();
      expect(b!.status).toBe('ended');
      expect(b!.actualDurationSeconds).toBe(754);
      expect(b!.messages).toBe(2);
      expect(b!.documents).toBe(0);
      expect(b!.payment).toBeNull();
      expect(JSON.stringify(list)).not.toContain(tomorrow.appointment.patient.email ?? 'no-email');

      const wide = (await (await call(t, 'GET', `/api/follow-up/consultations?from=${new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10)}`, { cookie })).json()) as FollowUpList;
      expect(wide.items.map((i) => i.id)).toEqual([tomorrow.id, lastWeek.id, longAgo.id]);
      expect(wide.items.map((i) => i.id)).not.toContain(theirs.id);
      expect(wide.items.map((i) => i.id)).not.toContain(otherClinic.id);
      expect((await call(t, 'GET', '/api/follow-up/consultations?from=yesterday', { cookie })).status).toBe(400);
    });

    it("counts a date without a time as a day of the practitioner's time zone, and says the zone", async () => {
      const p = newPractitioner();
      // 00:30 on day D at UTC+14 is 10:30 UTC on the day before: in the list of D, not of D−1.
      const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
      const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const made = await makeTeleconsultation(t, hub, { startsAt: `${before}T10:30:00.000Z`, practitioner: { id: p.id, name: p.name, email: p.email, timezone: 'Pacific/Kiritimati' } });
      const cookie = await signIn(t, sendgrid, p);
      const me = (await (await call(t, 'GET', '/api/follow-up/me', { cookie })).json()) as FollowUpMe;
      expect(me.practitioner.timezone).toBe('Pacific/Kiritimati');
      const of = async (from: string, to: string) => (await (await call(t, 'GET', `/api/follow-up/consultations?from=${from}&to=${to}`, { cookie })).json()) as FollowUpList;
      const onDay = await of(day, day);
      expect(onDay.items.map((i) => i.id)).toEqual([made.id]);
      expect(onDay.items[0]!.timezone).toBe('Pacific/Kiritimati');
      expect(onDay.from).toBe(`${before}T10:00:00.000Z`);
      expect(onDay.to).toBe(`${day}T10:00:00.000Z`);
      expect((await of(before, before)).items).toEqual([]);
    });

    it('keeps the unpaid ones with "unpaid=true"', async () => {
      const p = newPractitioner();
      const unpaid = await consultationOf(t, hub, p, { hoursFromNow: 5 });
      const paid = await consultationOf(t, hub, p, { hoursFromNow: 6 });
      await consultationOf(t, hub, p, { hoursFromNow: 7 });
      await invoiceFor(t, unpaid, '30');
      const paidRequest = await invoiceFor(t, paid, '40');
      await paySandbox(t, paidRequest.url);
      const cookie = await signIn(t, sendgrid, p);
      const list = (await (await call(t, 'GET', '/api/follow-up/consultations?unpaid=true', { cookie })).json()) as FollowUpList;
      expect(list.items.map((i) => i.id)).toEqual([unpaid.id]);
      const all = (await (await call(t, 'GET', '/api/follow-up/consultations', { cookie })).json()) as FollowUpList;
      expect(all.items.length).toBe(3);
      expect(all.items.find((i) => i.id === paid.id)?.payment?.status).toBe('paid');
    });

    it("answers 404 TELECONSULTATION_NOT_FOUND for another practitioner's consultation, on every route, changing nothing", async () => {
      const p = newPractitioner();
      await consultationOf(t, hub, p);
      const other = newPractitioner();
      const theirs = await consultationOf(t, hub, other);
      const request = await invoiceFor(t, theirs, '25');
      const cookie = await signIn(t, sendgrid, p);
      const sessionsBefore = (await db().select({ n: count() }).from(schema.sessions))[0]!.n;
      for (const [method, path] of [
        ['GET', `/api/follow-up/consultations/${theirs.id}`], ['GET', `/api/follow-up/consultations/${theirs.id}/join`],
        ['POST', `/api/follow-up/consultations/${theirs.id}/payment/resend`],
        ['GET', `/api/follow-up/consultations/${theirs.id}/documents/${request.id}/download`],
      ] as const) {
        const res = await call(t, method, path, { cookie, accept: 'application/json' });
        expect(res.status).withContext(path).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).withContext(path).toBe('TELECONSULTATION_NOT_FOUND');
      }
      expect((await db().select({ n: count() }).from(schema.sessions))[0]!.n).toBe(sessionsBefore);
      const [row] = await db().select().from(schema.paymentRequests).where(eq(schema.paymentRequests.id, request.id));
      expect(row!.resends).toBe(0);
    });

    it('shows a purged consultation without patient data', async () => {
      const p = newPractitioner();
      const tc = await consultationOf(t, hub, p, { hoursFromNow: -48 });
      await db().update(schema.teleconsultations).set({
        purgedAt: new Date(), patient: { id: 'pat', firstName: '', lastName: '', locale: 'fr' }, reasonLabel: '', patientEmail: null, patientMobile: null,
      }).where(eq(schema.teleconsultations.id, tc.id));
      const cookie = await signIn(t, sendgrid, p);
      const detail = (await (await call(t, 'GET', `/api/follow-up/consultations/${tc.id}`, { cookie })).json()) as FollowUpDetail;
      expect(detail.item.purged).toBeTrue();
      expect(detail.item.patientName).toBe('');
      expect(detail.item.reasonLabel).toBe('');
      expect(detail.item.joinUrl).toBeNull();
    });
  });

  describe('detail, documents, payment', () => {
    it('gives the documents and the conversation, and downloads a document through its signed link', async () => {
      const p = newPractitioner();
      const tc = await consultationOf(t, hub, p);
      const { openLink } = await import('./live-helpers.ts');
      const panel = await openLink(t.url, tc.practitionerToken);
      const form = new FormData();
      form.append('file', new Blob(['Ordonnance : repos.'], { type: 'text/plain' }), 'ordonnance.txt');
      const up = await fetch(`${t.url}/api/live/${tc.id}/practitioner/documents`, { method: 'POST', headers: { cookie: panel.cookie, origin: t.config.publicUrl }, body: form });
      expect(up.status).toBe(201);
      await db().insert(schema.chatMessages).values({ teleconsultationId: tc.id, sender: 'patient', text: 'Merci docteur' });
      const cookie = await signIn(t, sendgrid, p);

      const detail = (await (await call(t, 'GET', `/api/follow-up/consultations/${tc.id}`, { cookie })).json()) as FollowUpDetail;
      expect(detail.item.documents).toBe(1);
      expect(detail.item.messages).toBe(1);
      expect(detail.documents.map((d) => d.name)).toEqual(['ordonnance.txt']);
      expect(detail.conversation.map((e) => e.kind).sort()).toEqual(['document', 'message']);

      const download = await call(t, 'GET', `/api/follow-up/consultations/${tc.id}/documents/${detail.documents[0]!.id}/download`, { cookie });
      expect(download.status).toBe(303);
      const location = download.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^/documents/${tc.id}/`));
      const bytes = await fetch(`${t.url}${location}`, { headers: { cookie } });
      expect(bytes.status).toBe(200);
      expect(await bytes.text()).toBe('Ordonnance : repos.');
      // Another practitioner's follow-up session does not open that link.
      const stranger = newPractitioner();
      await consultationOf(t, hub, stranger);
      const strangerCookie = await signIn(t, sendgrid, stranger);
      expect((await fetch(`${t.url}${location}`, { headers: { cookie: strangerCookie } })).status).toBe(403);
    });

    it('"Renvoyer le lien de paiement" plans the payment message again, and refuses without an open request', async () => {
      const p = newPractitioner();
      const tc = await consultationOf(t, hub, p);
      const none = await consultationOf(t, hub, p, { hoursFromNow: 30 });
      const request = await invoiceFor(t, tc, '30');
      const cookie = await signIn(t, sendgrid, p);
      const res = await call(t, 'POST', `/api/follow-up/consultations/${tc.id}/payment/resend`, { cookie });
      expect(res.status).toBe(202);
      expect(((await res.json()) as { payment: { id: string } }).payment.id).toBe(request.id);
      const [row] = await db().select().from(schema.paymentRequests).where(eq(schema.paymentRequests.id, request.id));
      expect(row!.resends).toBe(1);
      const planned = await db().select().from(schema.messages).where(eq(schema.messages.teleconsultationId, tc.id));
      expect(planned.filter((m) => m.kind === 'payment_request' && m.variant === `${request.id}:resend:1`).length).toBeGreaterThan(0);
      const refused = await call(t, 'POST', `/api/follow-up/consultations/${none.id}/payment/resend`, { cookie });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NO_OPEN_PAYMENT');
    });
  });

  describe('"Rejoindre"', () => {
    it("makes a practitioner session that opens the panel's session API", async () => {
      const p = newPractitioner();
      const tc = await consultationOf(t, hub, p, { hoursFromNow: 1 });
      const cookie = await signIn(t, sendgrid, p);
      const res = await call(t, 'GET', `/api/follow-up/consultations/${tc.id}/join`, { cookie });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/app/panel/${tc.id}`);
      const panelCookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect(panelCookie.startsWith(`tc_practitioner_${tc.id}=`)).toBeTrue();
      const summary = await call(t, 'GET', `/api/live/${tc.id}/practitioner/session`, { cookie: panelCookie });
      expect(summary.status).toBe(200);
      expect(((await summary.json()) as { you: { role: string } }).you.role).toBe('practitioner');
    });

    it('refuses once the call is closed or cancelled (joinUrl null), creating no session', async () => {
      const p = newPractitioner();
      const past = await consultationOf(t, hub, p, { hoursFromNow: -24 * 3 });
      const cancelled = await consultationOf(t, hub, p, { hoursFromNow: 4 });
      await cancelTeleconsultation(t, hub, cancelled);
      const cookie = await signIn(t, sendgrid, p);
      const list = (await (await call(t, 'GET', '/api/follow-up/consultations', { cookie })).json()) as FollowUpList;
      expect(list.items.find((i) => i.id === past.id)?.joinUrl).toBeNull();
      expect(list.items.find((i) => i.id === cancelled.id)?.joinUrl).toBeNull();
      const before = (await db().select({ n: count() }).from(schema.sessions))[0]!.n;
      const closed = await call(t, 'GET', `/api/follow-up/consultations/${past.id}/join`, { cookie, accept: 'application/json' });
      expect(closed.status).toBe(409);
      expect(((await closed.json()) as { error: { code: string } }).error.code).toBe('CALL_CLOSED');
      const gone = await call(t, 'GET', `/api/follow-up/consultations/${cancelled.id}/join`, { cookie, accept: 'text/html' });
      expect(gone.status).toBe(410);
      expect(await gone.text()).toContain('TELECONSULTATION_CANCELLED');
      expect(gone.headers.get('set-cookie')).toBeNull();
      expect((await db().select({ n: count() }).from(schema.sessions))[0]!.n).toBe(before);
    });
  });
});
