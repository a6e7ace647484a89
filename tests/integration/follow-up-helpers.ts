/**
 * Test support for "Suivi et paiement": a practitioner of their own per spec (so that specs
 * sharing a suite's database never see each other's consultations), their consultations made
 * through the agenda intake, sign-in links read from the SendGrid fake, and a sandbox payment
 * made as the patient's browser makes it.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { accessLinks, paymentRequests, teleconsultations } from '../../connector/db/schema/index.ts';
import { linkExpiry } from '../../connector/teleconsultations/links.ts';
import type { AgendaHub, AppointmentOverrides } from '../fakes/agenda-hub.ts';
import type { SendgridFake } from '../fakes/sendgrid.ts';
import { eventually, jobsSettled, type TestApp } from '../support/harness.ts';
import { makeTeleconsultation, openLink, type MadeTeleconsultation } from './live-helpers.ts';

/** A practitioner of the agenda, unique to the spec. */
export interface TestPractitioner {
  id: string;
  name: string;
  email: string;
}

/** A new practitioner (clinic of the fake hub). */
export function newPractitioner(): TestPractitioner {
  const tag = randomUUID().slice(0, 8);
  return { id: `prac_${tag}`, name: `Dr Test ${tag}`, email: `dr.${tag}@cabinet.example.com` };
}

/**
 * A consultation of this practitioner, `hoursFromNow` from now (1 day ahead by default). The
 * intake ignores appointments in the past: a past one is made ahead, then moved back in the
 * database with its links (as if it had been made in time).
 */
export async function consultationOf(t: TestApp, hub: AgendaHub, p: TestPractitioner, overrides: AppointmentOverrides & { hoursFromNow?: number } = {}): Promise<MadeTeleconsultation> {
  const { hoursFromNow, ...rest } = overrides;
  const at = (hours: number) => new Date(Math.round((Date.now() + hours * 3_600_000) / 60_000) * 60_000);
  const startsAt = hoursFromNow === undefined ? undefined : at(Math.max(hoursFromNow, 1)).toISOString();
  const made = await makeTeleconsultation(t, hub, { ...rest, ...(startsAt ? { startsAt } : {}), practitioner: { id: p.id, name: p.name, email: p.email, ...rest.practitioner } });
  if (hoursFromNow !== undefined && hoursFromNow < 1) {
    const db = t.app.services.database.db;
    const moved = at(hoursFromNow);
    const [row] = await db.update(teleconsultations).set({ startsAt: moved }).where(eq(teleconsultations.id, made.id)).returning();
    await db.update(accessLinks).set({ expiresAt: linkExpiry(moved, row!.durationMinutes, t.config.linkGraceHours) }).where(eq(accessLinks.teleconsultationId, made.id));
  }
  return made;
}

/** Sends a JSON request to the app (with a cookie, and our Origin for state-changing ones). */
export async function call(t: TestApp, method: string, path: string, opts: { cookie?: string; body?: unknown; accept?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { origin: t.config.publicUrl };
  if (opts.cookie) headers['cookie'] = opts.cookie;
  if (opts.accept) headers['accept'] = opts.accept;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${t.url}${path}`, { method, headers, redirect: 'manual', ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
}

/** The emails the fake received for an address. */
export function mailsTo(sendgrid: SendgridFake, email: string) {
  return sendgrid.sent.filter((m) => m.body.personalizations.some((p) => p.to.some((to) => to.email === email)));
}

/** The sign-in link (path `/f/…`) in an email's text. */
export function signInPathIn(mail: { body: { content?: { type: string; value: string }[] } }): string {
  const text = mail.body.content?.find((c) => c.type === 'text/plain')?.value ?? '';
  const match = /https?:\/\/[^\s/]+(\/f\/[A-Za-z0-9_.-]+)/.exec(text);
  if (!match) throw new Error('no sign-in link in the email');
  return match[1]!;
}

/** Asks for a sign-in link by email and waits until the background sending is over. */
export async function askSignIn(t: TestApp, email: string, language?: string): Promise<Response> {
  const res = await call(t, 'POST', '/api/follow-up/sign-in', { body: language ? { email, language } : { email } });
  await t.app.followUp.background.settled();
  return res;
}

/** Opens a sign-in link path; returns the answer and the cookie it set (`''` when none). */
export async function openSignIn(t: TestApp, path: string): Promise<{ res: Response; cookie: string }> {
  const res = await fetch(`${t.url}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
  return { res, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** Signs a practitioner in through the email link; returns the follow-up cookie. */
export async function signIn(t: TestApp, sendgrid: SendgridFake, p: TestPractitioner): Promise<string> {
  const before = mailsTo(sendgrid, p.email).length;
  expect((await askSignIn(t, p.email)).status).toBe(202);
  const mails = mailsTo(sendgrid, p.email);
  expect(mails.length).toBe(before + 1);
  const { res, cookie } = await openSignIn(t, signInPathIn(mails.at(-1)!));
  expect(res.status).toBe(303);
  return cookie;
}

/** "€ Facture" from the consultation's panel session; returns the payment request id once its page is made. */
export async function invoiceFor(t: TestApp, tc: MadeTeleconsultation, value: string): Promise<{ id: string; url: string; panelCookie: string }> {
  const panel = await openLink(t.url, tc.practitionerToken);
  const res = await call(t, 'POST', `/api/live/${tc.id}/practitioner/invoice`, { cookie: panel.cookie, body: { amount: { value } } });
  expect(res.status).toBe(201);
  const { payment } = (await res.json()) as { payment: { id: string; url: string } };
  await eventually(async () => (await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id)))[0]?.status === 'requested', 'the payment requested');
  return { id: payment.id, url: payment.url, panelCookie: panel.cookie };
}

/** Pays a request on the sandbox page, as the patient's browser does. */
export async function paySandbox(t: TestApp, payUrl: string): Promise<void> {
  await jobsSettled(t, ['billing-checkout']);
  const open = await fetch(payUrl.replace(t.config.publicUrl, t.url), { redirect: 'manual' });
  expect(open.status).toBe(303);
  const html = await (await fetch(new URL(open.headers.get('location')!, t.url))).text();
  const action = /action="([^"]+\/paid)"/.exec(html)![1]!;
  expect((await fetch(`${t.url}${action}`, { method: 'POST', redirect: 'manual', headers: { origin: t.config.publicUrl } })).status).toBe(303);
}
