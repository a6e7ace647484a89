/**
 * Integrator keys (expiry, revocation by the operator's command and by the API) and the
 * audit trail: who did each thing, read by integrators through the API.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { RECONCILE_QUEUE } from '../../connector/agenda/sync.ts';
import { createApiKey } from '../../connector/integrators/api-keys.ts';
import { jobsSettled, useAppWithHub } from '../support/harness.ts';
import { LiveClient, openLink } from './live-helpers.ts';

const run = promisify(execFile);
const OPERATOR = { kind: 'operator', via: 'command' } as const;

describe('integrator keys and the audit trail', () => {
  const { t, hub } = useAppWithHub();
  const api = (key: string, path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  const json = async <T>(r: Promise<Response>): Promise<{ status: number; body: T }> => { const res = await r; return { status: res.status, body: (await res.json()) as T }; };
  const newKey = (clinicId: string, expiresAt: Date | null = null) => createApiKey(t.app.services.database.db, { clinicId, label: 'spec', expiresAt, by: OPERATOR, now: new Date() });

  it('refuse an expired key, and a key revoked through the API, at once', async () => {
    const a = await newKey('clinic_keys');
    const b = await newKey('clinic_keys');
    const expired = await newKey('clinic_keys', new Date(Date.now() - 1000));
    const foreign = await newKey('clinic_other');
    expect((await json<{ error: { code: string } }>(api(expired.key, '/api/v1/teleconsultations'))).body.error.code).toBe('API_KEY_INVALID');

    const listed = await json<{ items: { id: string; revokedAt: string | null; expiresAt: string | null }[] }>(api(a.key, '/api/v1/api-keys'));
    expect(listed.body.items.map((k) => k.id)).toEqual(jasmine.arrayWithExactContents([a.id, b.id, expired.id]));
    expect(JSON.stringify(listed.body)).not.toContain(a.key);
    // Another clinic's key is not ours to revoke.
    expect((await json<{ error: { code: string } }>(api(a.key, `/api/v1/api-keys/${foreign.id}`, { method: 'DELETE' }))).body.error.code).toBe('API_KEY_NOT_FOUND');
    expect((await api(foreign.key, '/api/v1/teleconsultations').then(async (r) => { await r.arrayBuffer(); return r.status; }))).toBe(200);

    const revoked = await json<{ id: string; revokedAt: string }>(api(a.key, `/api/v1/api-keys/${b.id}`, { method: 'DELETE' }));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toBeTruthy();
    expect((await api(b.key, '/api/v1/teleconsultations')).status).toBe(401);

    const audit = await json<{ items: { action: string; subject: string; by: Record<string, string> }[] }>(api(a.key, '/api/v1/audit'));
    expect(audit.body.items.filter((i) => i.subject === b.id).map((i) => [i.action, i.by])).toEqual([
      ['api_key.created', { kind: 'operator', via: 'command' }],
      ['api_key.revoked', { kind: 'integrator', apiKey: a.id }],
    ]);
  });

  it('record every change of a practitioner\'s payment account, with the key that made it', async () => {
    const k = await newKey('clinic_accounts');
    const put = async (stripeAccount: string | null) => {
      const r = await api(k.key, '/api/v1/practitioners/prac_dubois/payment-account', { method: 'PUT', body: JSON.stringify({ stripeAccount }) });
      await r.arrayBuffer();
      return r.status;
    };
    expect(await put('acct_1First')).toBe(204);
    expect(await put('acct_1First')).toBe(204); // the same again: no change, nothing recorded
    expect(await put('acct_1Second')).toBe(204);
    expect(await put(null)).toBe(204);
    const audit = await json<{ items: { action: string; subject: string; by: Record<string, string>; data: Record<string, unknown> }[] }>(api(k.key, '/api/v1/audit'));
    const changes = audit.body.items.filter((i) => i.action.startsWith('payment_account.'));
    expect(changes.map((c) => [c.action, c.subject, c.data['previous'], c.data['stripeAccount'], c.by['apiKey']])).toEqual([
      ['payment_account.set', 'prac_dubois', null, 'acct_1First', k.id],
      ['payment_account.set', 'prac_dubois', 'acct_1First', 'acct_1Second', k.id],
      ['payment_account.removed', 'prac_dubois', 'acct_1Second', null, k.id],
    ]);
  });

  it('say who did each event of a teleconsultation: the agenda\'s delivery, the patient\'s and the practitioner\'s sessions', async () => {
    // The start-up reconciliation, slow on a loaded machine, would otherwise apply the
    // appointment from the hub's list before its webhook: then the agenda's delivery is not who created it.
    await jobsSettled(t, [RECONCILE_QUEUE]);
    const appointment = hub.upsert(hub.makeAppointment({ clinicId: 'clinic_trail' }));
    const delivered = await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment, { id: 'msg_trail_created' });
    expect(delivered.status).toBe(202);
    await jobsSettled(t);
    const db = t.app.services.database.db;
    const [tc] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.appointmentId, appointment.id));
    const links = await db.select().from(schema.accessLinks).where(eq(schema.accessLinks.teleconsultationId, tc!.id));
    const { linkToken } = await import('../../connector/teleconsultations/links.ts');
    const { TEST_LINK_SECRET } = await import('../support/harness.ts');
    const token = (role: string) => linkToken(TEST_LINK_SECRET, links.find((l) => l.role === role)!.id);
    const practitioner = await openLink(t.url, token('practitioner'));
    const patient = await openLink(t.url, token('patient'));
    const p = await LiveClient.connect(t.url, tc!.id, 'practitioner', practitioner.cookie);
    const q = await LiveClient.connect(t.url, tc!.id, 'patient', patient.cookie);
    q.send({ type: 'knock' });
    await p.next('presence', (m) => m.presence.patient === 'waiting');
    p.send({ type: 'admit' });
    await q.next('admitted');
    p.send({ type: 'end' });
    await q.next('status', (m) => m.status === 'ended');
    await p.close();
    await q.close();

    const k = await newKey('clinic_trail');
    const events = await json<{ items: { type: string; by: Record<string, string> }[] }>(api(k.key, `/api/v1/teleconsultations/${tc!.id}/events`));
    const by = (type: string) => events.body.items.find((e) => e.type === type)?.by;
    expect(by('teleconsultation.created')).toEqual({ kind: 'webhook', source: 'agenda', delivery: 'msg_trail_created' });
    expect(by('patient.waiting')?.['kind']).toBe('patient');
    expect(by('patient.admitted')?.['kind']).toBe('practitioner');
    expect(by('teleconsultation.ended')?.['kind']).toBe('practitioner');
    // A session is named by a reference, never by its cookie.
    const patientSession = by('patient.waiting')!['session']!;
    expect(patientSession).toMatch(/^[0-9a-f]{16}$/);
    expect(patient.cookie).not.toContain(patientSession);
    expect(by('patient.admitted')!['session']).not.toBe(patientSession);
    const text = JSON.stringify(events.body);
    for (const datum of [appointment.patient.firstName, appointment.patient.lastName, appointment.patient.email!, appointment.patient.mobile!]) expect(text).not.toContain(datum);
  });
});

describe('npm run api-key', () => {
  it('creates a key with an expiry, lists it, and revokes it, on the embedded database', async () => {
    const env = { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'tc-api-key-')), DATABASE_URL: '', LOG_LEVEL: 'silent' };
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'connector/scripts/api-key.ts', ...args], { env, cwd: process.cwd() });
    const created = await cli('create', 'clinic_cli', 'agenda sync', '--expires-days=30');
    const id = /API key (key_[0-9a-f]{16})/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/tck_[A-Za-z0-9_-]{43}/);
    expect(created.stdout).toContain('valid until');
    expect((await cli('list', 'clinic_cli')).stdout).toMatch(new RegExp(`${id}  agenda sync  created \\S+  active until`));
    expect((await cli('revoke', id!)).stdout).toContain(`API key ${id} of clinic clinic_cli revoked`);
    expect((await cli('list', 'clinic_cli')).stdout).toContain('revoked');
    await expectAsync(cli('revoke', 'key_0000000000000000')).toBeRejected();
  });
});
