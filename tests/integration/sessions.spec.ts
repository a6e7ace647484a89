import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import Fastify from 'fastify';
import * as schema from '../../connector/db/schema/index.ts';
import type { SessionSummary } from '#protocol/live';
import type { Services } from '../../connector/services.ts';
import { hashSessionId, sessionCookieName } from '../../connector/sessions/sessions.ts';
import { uiRoutes } from '../../connector/sessions/ui-static.ts';
import { linkToken } from '../../connector/teleconsultations/links.ts';
import { TEST_LINK_SECRET, useAppWithHub } from '../support/harness.ts';
import { cancelTeleconsultation, makeTeleconsultation, openLink } from './live-helpers.ts';

describe('sessions from links', () => {
  const { t, hub } = useAppWithHub();

  async function api(path: string, cookie?: string): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(`${t.url}${path}`, { headers: cookie ? { cookie } : {} });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  it("exchanges the practitioner's link for a session cookie and leaves for the panel without the token", async () => {
    const tc = await makeTeleconsultation(t, hub);
    const r = await openLink(t.url, tc.practitionerToken);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/app/panel/${tc.id}`);
    expect(r.location).not.toContain(tc.practitionerToken.split('.')[0]!);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.cookie.startsWith(`${sessionCookieName('practitioner', tc.id)}=`)).toBeTrue();
    expect(r.setCookie).toMatch(/HttpOnly/i);
    expect(r.setCookie).toMatch(/SameSite=Lax/i);
    expect(r.setCookie).toMatch(/Path=\//);
    expect(r.setCookie).not.toMatch(/Secure/i); // PUBLIC_URL is http in tests
    // Only the hash of the session id is stored.
    const rawId = decodeURIComponent(r.cookie.split('=')[1]!).split('.')[0]!;
    const rows = await t.app.services.database.db.select().from(schema.sessions).where(eq(schema.sessions.teleconsultationId, tc.id));
    expect(rows.length).toBe(1);
    expect(rows[0]!.idHash).toBe(hashSessionId(rawId));
    expect(rows[0]!.role).toBe('practitioner');
    const summary = await api(`/api/live/${tc.id}/practitioner/session`, r.cookie);
    expect(summary.status).toBe(200);
    const s = summary.body as SessionSummary;
    expect(s.you.role).toBe('practitioner');
    expect(s.teleconsultation.id).toBe(tc.id);
    expect(s.teleconsultation.status).toBe('scheduled');
    expect(s.teleconsultation.patientName).toBe(`${tc.appointment.patient.firstName} ${tc.appointment.patient.lastName[0]}.`);
    expect(s.media.driver).toBe('p2p');
    expect(JSON.stringify(s)).not.toContain(tc.appointment.patient.email ?? 'no-email');
    expect(JSON.stringify(s)).not.toContain(tc.appointment.patient.mobile ?? 'no-mobile');
  });

  it("sends the patient's link to the patient page", async () => {
    const tc = await makeTeleconsultation(t, hub);
    const r = await openLink(t.url, tc.patientToken);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/app/patient/${tc.id}`);
    expect(r.cookie.startsWith(`${sessionCookieName('patient', tc.id)}=`)).toBeTrue();
    expect((await api(`/api/live/${tc.id}/patient/session`, r.cookie)).status).toBe(200);
    // The patient's cookie does not open the practitioner's side.
    const other = await api(`/api/live/${tc.id}/practitioner/session`, r.cookie.replace(sessionCookieName('patient', tc.id), sessionCookieName('practitioner', tc.id)));
    expect(other.status).toBe(401);
  });

  it('refuses a forged token with LINK_INVALID, as a page for browsers and JSON otherwise', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const forged = `${tc.patientToken.slice(0, 23)}${tc.patientToken.endsWith('A') ? 'B' : 'A'}${tc.patientToken.slice(24)}`;
    const json = await openLink(t.url, forged.slice(0, -1) + (forged.endsWith('x') ? 'y' : 'x'), 'application/json');
    expect(json.status).toBe(404);
    expect(json.cookie).toBe('');
    const page = await fetch(`${t.url}/j/not-a-token`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('LINK_INVALID');
    expect(html).toContain('Lien invalide');
    expect(html).toContain('Invalid link');
    const body = await (await fetch(`${t.url}/j/not-a-token`, { headers: { accept: 'application/json' } })).json() as { error: { code: string } };
    expect(body.error.code).toBe('LINK_INVALID');
    // A well-signed id that is no longer in the database: only we can sign, so it was ours,
    // deleted after the retention period.
    const unknown = await fetch(`${t.url}/j/${linkToken(TEST_LINK_SECRET, 'AAAAAAAAAAAAAAAAAAAAAA')}`, { headers: { accept: 'application/json' } });
    expect(unknown.status).toBe(410);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('LINK_EXPIRED');
  });

  it("refuses the practitioner's expired link with LINK_EXPIRED; the patient's opens the consultation space only", async () => {
    const tc = await makeTeleconsultation(t, hub);
    const db = t.app.services.database.db;
    await db.update(schema.accessLinks).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(schema.accessLinks.teleconsultationId, tc.id));
    const r = await fetch(`${t.url}/j/${tc.practitionerToken}`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(r.status).toBe(410);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('LINK_EXPIRED');
    // The patient's: a session, whose summary says the call is over (the appointment's window has passed).
    await db.update(schema.teleconsultations).set({ startsAt: new Date(Date.now() - 3 * 86_400_000) }).where(eq(schema.teleconsultations.id, tc.id));
    const opened = await openLink(t.url, tc.patientToken);
    expect(opened.cookie).not.toBe('');
    const summary = await api(`/api/live/${tc.id}/patient/session`, opened.cookie);
    expect(summary.status).toBe(200);
    expect((summary.body as { access: string }).access).toBe('space');
    // The cookie of a visit to the space outlives the expired link.
    expect(opened.setCookie).toMatch(/Expires=/);
    const expires = new Date(/Expires=([^;]+)/.exec(opened.setCookie)![1]!).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it('refuses the links of a cancelled teleconsultation with LINK_CANCELLED and ends its sessions', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const opened = await openLink(t.url, tc.patientToken);
    expect((await api(`/api/live/${tc.id}/patient/session`, opened.cookie)).status).toBe(200);
    await cancelTeleconsultation(t, hub, tc);
    for (const token of [tc.patientToken, tc.practitionerToken]) {
      const r = await fetch(`${t.url}/j/${token}`, { headers: { accept: 'application/json' }, redirect: 'manual' });
      expect(r.status).toBe(410);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('LINK_CANCELLED');
    }
    const after = await api(`/api/live/${tc.id}/patient/session`, opened.cookie);
    expect(after.status).toBe(410);
    expect((after.body as { error: { code: string } }).error.code).toBe('TELECONSULTATION_CANCELLED');
    const rows = await t.app.services.database.db.select().from(schema.sessions).where(eq(schema.sessions.teleconsultationId, tc.id));
    expect(rows.every((s) => s.revokedAt !== null)).toBeTrue();
  });

  it("refuses a session cookie of one teleconsultation for another, and a tampered cookie", async () => {
    const a = await makeTeleconsultation(t, hub);
    const b = await makeTeleconsultation(t, hub);
    const opened = await openLink(t.url, a.patientToken);
    const value = opened.cookie.split('=').slice(1).join('=');
    const asB = `${sessionCookieName('patient', b.id)}=${value}`;
    const r = await api(`/api/live/${b.id}/patient/session`, asB);
    expect(r.status).toBe(401);
    expect((r.body as { error: { code: string } }).error.code).toBe('SESSION_REQUIRED');
    const tampered = `${sessionCookieName('patient', a.id)}=${value.slice(0, 5)}${value[5] === 'A' ? 'B' : 'A'}${value.slice(6)}`;
    expect((await api(`/api/live/${a.id}/patient/session`, tampered)).status).toBe(401);
    expect((await api(`/api/live/${a.id}/patient/session`)).status).toBe(401);
  });

  it('says JITSI_NOT_CONFIGURED for a Jitsi token or event when no Jitsi is configured', async () => {
    const tc = await makeTeleconsultation(t, hub);
    const opened = await openLink(t.url, tc.practitionerToken);
    const r = await api(`/api/live/${tc.id}/practitioner/jitsi-token`, opened.cookie);
    expect(r.status).toBe(404);
    expect((r.body as { error: { code: string } }).error.code).toBe('JITSI_NOT_CONFIGURED');
    expect((await api(`/api/live/${tc.id}/practitioner/jitsi-token`)).status).toBe(401);
    const event = await fetch(`${t.url}/webhooks/jitsi/events/room/created`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: '{}' });
    expect(event.status).toBe(404);
  });
});

describe('the UI pages under /app/', () => {
  const root = mkdtempSync(join(tmpdir(), 'tc-ui-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'main-ABCD1234.js'), 'console.log(1)');
  const patientRoot = mkdtempSync(join(tmpdir(), 'tc-ui-patient-'));
  writeFileSync(join(patientRoot, 'index.html'), '<!doctype html><title>patient</title>');
  writeFileSync(join(patientRoot, 'main-EFGH5678.js'), 'console.log(2)');
  const app = Fastify();
  const warnings: string[] = [];
  const services = { log: { warn: (_o: unknown, msg: string) => warnings.push(msg) } } as unknown as Services;

  beforeAll(async () => {
    await app.register(async (scope) => uiRoutes(scope, services, { panel: root, patient: patientRoot }));
    await app.register(async (scope) => uiRoutes(scope, services, { panel: join(root, 'missing'), patient: join(root, 'missing') }), { prefix: '/other' });
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves index.html uncached for deep links and hashed bundles cached for good', async () => {
    const deep = await app.inject({ url: '/app/panel/6f1c1d55-0000-4000-8000-000000000000' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>app</title>');
    expect(deep.headers['cache-control']).toBe('no-store');
    const rootPage = await app.inject({ url: '/app/' });
    expect(rootPage.statusCode).toBe(200);
    expect(rootPage.headers['cache-control']).toBe('no-store');
    const bundle = await app.inject({ url: '/app/main-ABCD1234.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/app/missing.js' })).statusCode).toBe(404);
  });

  it('serves the patient\'s own entry under /app/patient/, uncached, with its bundles cached for good', async () => {
    for (const url of ['/app/patient', '/app/patient/', '/app/patient/6f1c1d55-0000-4000-8000-000000000000', '/app/patient/6f1c1d55-0000-4000-8000-000000000000?x=1']) {
      const page = await app.inject({ url });
      expect([url, page.statusCode]).toEqual([url, 200]);
      expect(page.body).toContain('<title>patient</title>');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    const bundle = await app.inject({ url: '/app/patient/main-EFGH5678.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body).toBe('console.log(2)');
    expect(bundle.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/app/patient/main-ABCD1234.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/app/patient/x' })).statusCode).toBe(404);
    // The practitioner's app still answers next to it, and does not serve the patient's files.
    expect((await app.inject({ url: '/app/panel/x/payments' })).body).toContain('<title>app</title>');
    expect((await app.inject({ url: '/app/patients' })).body).toContain('<title>app</title>');
  });

  it('warns when the UI is not built', () => {
    expect(warnings.some((w) => w.includes('not built'))).toBeTrue();
  });
});
