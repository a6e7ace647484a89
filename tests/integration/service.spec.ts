import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../config/load.ts';
import { buildApp } from '../../connector/app.ts';
import { teleconsultations } from '../../connector/db/schema/index.ts';
import { createApiKey, revokeApiKey } from '../../connector/integrators/api-keys.ts';
import { generateOpenApi } from '../../connector/scripts/write-openapi.ts';
import { eventually, jobsSettled, startTestApp, useAppWithHub, type TestApp, OPERATOR_HEADERS } from '../support/harness.ts';

describe('integrator API', () => {
  const { t, hub } = useAppWithHub();

  it('lists only the key\'s clinic teleconsultations, with status and no patient data', async () => {
    const mine = hub.upsert(hub.makeAppointment({ clinicId: 'clinic-a' }));
    const theirs = hub.upsert(hub.makeAppointment({ clinicId: 'clinic-b' }));
    await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', mine);
    await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', theirs);
    await jobsSettled(t);
    const { key, id } = await createApiKey(t.app.services.database.db, { clinicId: 'clinic-a', label: 'test', by: { kind: 'operator', via: 'command' }, now: new Date() });
    const res = await fetch(`${t.url}/api/v1/teleconsultations`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { items: { appointmentId: string; status: string; channels: { sms: { usable: boolean } } }[]; nextCursor: string | null };
    expect(body.items.map((i) => i.appointmentId)).toEqual([mine.id]);
    expect(body.items[0]!.status).toBe('scheduled');
    expect(body.items[0]!.channels.sms.usable).toBeTrue();
    for (const pii of [mine.patient.firstName, mine.patient.lastName, mine.patient.email!, mine.patient.mobile!, '/j/']) expect(text).not.toContain(pii);

    const events = await fetch(`${t.url}/api/v1/teleconsultations/${(await t.app.services.database.db.select().from(teleconsultations).where(eq(teleconsultations.appointmentId, mine.id)))[0]!.id}/events`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await events.json()) as { items: { type: string }[] }).items.map((e) => e.type)).toEqual(['teleconsultation.created']);

    await revokeApiKey(t.app.services.database.db, { id, by: { kind: 'operator', via: 'command' }, now: new Date() });
    const revoked = await fetch(`${t.url}/api/v1/teleconsultations`, { headers: { authorization: `Bearer ${key}` } });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe('API_KEY_INVALID');
  });

  it('pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', hub.upsert(hub.makeAppointment({ clinicId: 'clinic-pages' })));
    await jobsSettled(t);
    const { key } = await createApiKey(t.app.services.database.db, { clinicId: 'clinic-pages', label: 'pages', by: { kind: 'operator', via: 'command' }, now: new Date() });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await fetch(`${t.url}/api/v1/teleconsultations?limit=2${cursor ? `&after=${cursor}` : ''}`, { headers: { authorization: `Bearer ${key}` } });
      const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(3);
    expect(new Set(seen).size).toBe(3);
  });

  it('refuses a missing key and a bad query with codes', async () => {
    const none = await fetch(`${t.url}/api/v1/teleconsultations`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('API_KEY_MISSING');
    const { key } = await createApiKey(t.app.services.database.db, { clinicId: 'clinic-a', label: 'q', by: { kind: 'operator', via: 'command' }, now: new Date() });
    const bad = await fetch(`${t.url}/api/v1/teleconsultations?limit=9999`, { headers: { authorization: `Bearer ${key}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });

  it('serves its OpenAPI document and Swagger UI', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/v1/teleconsultations');
    expect(Object.keys(doc.paths)).toContain('/webhooks/agenda');
    const ui = await fetch(`${t.url}/docs/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { migrations: string }).migrations).toBe('ok');
  });
});

describe('checked-in OpenAPI document', () => {
  it('matches the routes (run `npm run openapi:connector` after changing a route)', async () => {
    const checkedIn = readFileSync(join(import.meta.dirname, '..', '..', 'openapi', 'connector.json'), 'utf8');
    expect(await generateOpenApi()).toBe(checkedIn);
  });
});

describe('embedded default', () => {
  it('restarts with its data intact, and is not ready when the database is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tc-restart-'));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0' });
    const first = await buildApp(config);
    await first.ready();
    const { key } = await createApiKey(first.services.database.db, { clinicId: 'clinic-restart', label: 'restart', by: { kind: 'operator', via: 'command' }, now: new Date() });
    await first.close();

    const second = await buildApp(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', PORT: '0' }));
    await second.ready();
    const res = await second.inject({ url: '/api/v1/teleconsultations', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    expect(second.services.config.linkSecret).toBe(config.linkSecret);
    await second.services.database.close();
    const notReady = await second.inject({ url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    await second.close().catch(() => undefined);
  });
});

describe('demo agenda', () => {
  // Each spec books on its own demo agenda: the first counts every teleconsultation there.
  let t: TestApp;
  beforeEach(async () => { t = await startTestApp(); });
  afterEach(async () => { await t.close(); });

  /** Books Inès Moreau on the demo page; returns the page once it shows her links. */
  async function bookOnDemo(): Promise<string> {
    const form = new URLSearchParams({ firstName: 'Inès', lastName: 'Moreau', email: 'ines@example.org', mobile: '+33600000042', locale: 'fr', startsAt: '2030-01-15T10:30', durationMinutes: '20', teleconsultation: 'on' });
    const booked = await fetch(`${t.url}/demo/appointments`, { method: 'POST', body: form, redirect: 'manual' });
    expect(booked.status).toBe(303);
    return eventually(async () => {
      const text = await (await fetch(`${t.url}/demo`)).text();
      return /class="join" href="[^"]+\/j\//.test(text) ? text : null;
    }, 'the links on the demo page');
  }

  it('books a teleconsultation through signed webhooks and shows its "Rejoindre" and patient links', async () => {
    expect(t.app.services.config.agenda.demo).toBeTrue();
    const page = await fetch(`${t.url}/demo`);
    expect(await page.text()).toContain('Démonstration');
    const html = await bookOnDemo();
    expect(html).toContain('Rejoindre');
    expect(html).toContain('Lien patient');
    const rows = await t.app.services.database.db.select().from(teleconsultations);
    expect(rows.length).toBe(1);
    expect(rows[0]!.startsAt.toISOString()).toBe('2030-01-15T09:30:00.000Z'); // 10:30 in Paris, winter time
    expect((await fetch(`${t.url}/demo/api/appointments`)).status).toBe(401);
  });

  it('says that an appointment booked when already over gets no teleconsultation', async () => {
    const form = new URLSearchParams({ firstName: 'Inès', lastName: 'Moreau', email: 'ines@example.org', mobile: '+33600000042', locale: 'fr', startsAt: '2020-01-15T10:30', durationMinutes: '20', teleconsultation: 'on' });
    expect((await fetch(`${t.url}/demo/appointments`, { method: 'POST', body: form, redirect: 'manual' })).status).toBe(303);
    await jobsSettled(t);
    const html = await (await fetch(`${t.url}/demo`)).text();
    expect(html).toContain('déjà passé : pas de téléconsultation');
    expect(html).not.toContain('liens en cours de création');
    expect(await t.app.services.database.db.select().from(teleconsultations)).toEqual([]);
  });

  it('takes a sandbox payment end to end: "€ Facture", the labelled test page, "paid" on the demo appointment', async () => {
    const local = (url: string) => url.replace(t.config.publicUrl, t.url);
    const html = await bookOnDemo();
    const joinUrl = /class="join" href="([^"]+)"/.exec(html)![1]!;
    const opened = await fetch(local(joinUrl), { redirect: 'manual' });
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0]!;
    const id = opened.headers.get('location')!.split('/').at(-1)!;
    const asked = await fetch(`${t.url}/api/live/${id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(asked.status).toBe(201);
    const { payment } = (await asked.json()) as { payment: { url: string; sandbox: boolean } };
    expect(payment.sandbox).toBeTrue();
    // The payment request goes out through the dev outbox, with the payment link.
    await eventually(async () => {
      const outbox = (await (await fetch(`${t.url}/dev/outbox.json`, { headers: OPERATOR_HEADERS })).json()) as { messages: { kind: string; text: string }[] };
      return outbox.messages.some((m) => m.kind === 'payment_request' && m.text.includes(payment.url));
    }, 'the payment request in the dev outbox');
    const page = await eventually(async () => {
      const r = await fetch(local(payment.url), { redirect: 'manual' });
      return r.status === 303 ? r.headers.get('location') : null;
    }, 'the sandbox payment page');
    const sandbox = await (await fetch(local(page))).text();
    expect(sandbox).toContain('Paiement de test');
    const action = /action="([^"]+\/paid)"/.exec(sandbox)![1]!;
    expect((await fetch(`${t.url}${action}`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    await eventually(async () => (await (await fetch(`${t.url}/demo`)).text()).includes('Paiement : payé'), '"paid" on the demo appointment');
  });
});
