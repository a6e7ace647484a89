import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { reconcile, type AgendaSyncDeps } from '../../connector/agenda/sync.ts';
import * as schema from '../../connector/db/schema/index.ts';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import { applyAppointments } from '../../connector/teleconsultations/apply-page.ts';
import type { Appointment } from '../../connector/agenda/appointment.ts';
import type { AgendaHub } from '../fakes/agenda-hub.ts';
import { startAppWithHub, type AppWithHub, type Closable, type TestApp } from '../support/harness.ts';

/**
 * Reconciliation applies the hub's changes a page per transaction (apply-page.ts). Each spec
 * has its own app and hub (its own watermark, so that pages hold what the spec put there);
 * workers are off, so that the jobs planned stay as planned.
 */
function depsOf(t: TestApp): AgendaSyncDeps {
  const s = t.app.services;
  return { database: s.database, queue: s.queue, client: s.agenda, log: s.log, publicUrl: t.config.publicUrl, linkSecret: t.config.linkSecret, apply: s.apply };
}

async function withApp(run: (a: AppWithHub) => Promise<void>): Promise<void> {
  const a: AppWithHub & Closable = await startAppWithHub({}, () => ({ env: { WORKERS: 'off' } }));
  try {
    await run(a);
  } finally {
    await a.close();
  }
}

/** Stores appointments one after another, each updated strictly later than the one before. */
function storeInOrder(hub: AgendaHub, n: number, overrides: Parameters<AgendaHub['makeAppointment']>[0] = {}): Appointment[] {
  return Array.from({ length: n }, () => hub.upsert(hub.makeAppointment({ version: 0, ...overrides }), { bump: true }));
}

/** What an appointment left in the database: its rows, by kind. */
async function footprint(t: TestApp, appointmentId: string) {
  const db = t.app.services.database.db;
  const [tc] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.appointmentId, appointmentId));
  const [version] = await db.select().from(schema.appointments).where(eq(schema.appointments.appointmentId, appointmentId));
  if (!tc) return { version: version?.version, teleconsultation: undefined, links: 0, events: [] as string[], messages: [] as string[], sendJobs: 0, writeBackJobs: 0 };
  const links = await db.select({ n: count() }).from(schema.accessLinks).where(eq(schema.accessLinks.teleconsultationId, tc.id));
  const events = await db.select({ type: schema.teleconsultationEvents.type }).from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, tc.id));
  const messages = await db.select().from(schema.messages).where(eq(schema.messages.teleconsultationId, tc.id)).orderBy(asc(schema.messages.dueAt), asc(schema.messages.kind), asc(schema.messages.channel));
  const jobs = (await db.execute(sql`select name, count(*)::int as n from pgboss.job where data->>'teleconsultationId' = ${tc.id} group by name`)) as unknown as { rows: { name: string; n: number }[] };
  const jobsOf = (name: string) => jobs.rows.find((r) => r.name === name)?.n ?? 0;
  return {
    version: version?.version,
    teleconsultation: tc,
    links: links[0]!.n,
    events: events.map((e) => e.type),
    // Relative to the start, so that two appointments of different starts compare.
    messages: messages.map((m) => `${m.kind}/${m.variant}/${m.channel}/${m.status}/${m.dueAt.getTime() - tc.startsAt.getTime() > -1 ? 'start+' : 'start-'}`),
    sendJobs: jobsOf('notification-send'),
    writeBackJobs: jobsOf('agenda-writeback'),
  };
}

async function watermark(t: TestApp): Promise<string | undefined> {
  const [row] = await t.app.services.database.db.select().from(schema.syncState).where(eq(schema.syncState.key, 'agenda.updatedSince'));
  return row?.value;
}

const FIVE_MINUTES = 5 * 60_000;

describe('agenda reconciliation, a page per transaction', () => {
  it('stores for a page the same rows as applying each appointment alone, and a replay changes nothing', () => withApp(async ({ t, hub }) => {
    const startsAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
    // The single path, for comparison: one appointment applied on its own.
    const alone = hub.makeAppointment({ startsAt });
    const s = t.app.services;
    expect(await s.database.db.transaction((tx) => applyAppointment(tx, s.apply, { appointment: alone }, { kind: 'system', process: 'reconcile' }))).toBe('created');
    const paged = storeInOrder(hub, 5, { startsAt });
    const first = await reconcile(depsOf(t), 2);
    expect(first.seen).toBe(5);
    expect(first.applied).toBe(5);
    const expected = await footprint(t, alone.id);
    expect(expected.links).toBe(2);
    expect(expected.messages.length).toBeGreaterThan(2);
    expect(expected.sendJobs).toBeGreaterThan(0);
    expect(expected.writeBackJobs).toBe(1);
    for (const a of paged) {
      const f = await footprint(t, a.id);
      expect(f.teleconsultation?.status).withContext(a.id).toBe('scheduled');
      expect({ ...f, teleconsultation: undefined, version: undefined }).withContext(a.id).toEqual({ ...expected, teleconsultation: undefined, version: undefined });
    }
    const again = await reconcile(depsOf(t), 2);
    expect(again.seen).toBe(5);
    expect(again.applied).toBe(0);
    for (const a of paged) expect((await footprint(t, a.id)).messages).toEqual(expected.messages);
  }));

  it('applies in one page updates, moves, cancellations, deletions of video, past and cancelled ones as alone', () => withApp(async ({ t, hub }) => {
    const s = t.app.services;
    const moved = storeInOrder(hub, 1)[0]!;
    const cancelled = storeInOrder(hub, 1)[0]!;
    const noLongerVideo = storeInOrder(hub, 1)[0]!;
    await reconcile(depsOf(t), 10);
    const before = await footprint(t, moved.id);
    hub.upsert({ ...moved, startsAt: new Date(Date.parse(moved.startsAt) + 3_600_000).toISOString() }, { bump: true });
    hub.upsert({ ...cancelled, status: 'cancelled' }, { bump: true });
    hub.upsert({ ...noLongerVideo, reason: { ...noLongerVideo.reason, teleconsultation: false } }, { bump: true });
    const past = storeInOrder(hub, 1, { startsAt: new Date(Date.now() - 86_400_000).toISOString() })[0]!;
    const newCancelled = storeInOrder(hub, 1, { status: 'cancelled' })[0]!;
    const notVideo = storeInOrder(hub, 1, { reason: { id: 'r', label: 'Consultation', teleconsultation: false } })[0]!;
    const result = await reconcile(depsOf(t), 10);
    expect(result.applied).toBe(4);
    const m = await footprint(t, moved.id);
    expect(m.teleconsultation!.startsAt.getTime()).toBe(Date.parse(moved.startsAt) + 3_600_000);
    expect(m.events).toContain('teleconsultation.updated');
    expect(m.messages.some((x) => x.includes('/cancelled/'))).withContext('the old plan dropped').toBeTrue();
    expect(m.teleconsultation!.revision).toBe(before.teleconsultation!.revision + 1);
    expect((await footprint(t, cancelled.id)).teleconsultation!.status).toBe('cancelled');
    expect((await footprint(t, noLongerVideo.id)).teleconsultation!.status).toBe('cancelled');
    expect((await footprint(t, past.id)).teleconsultation).toBeUndefined();
    const nc = await footprint(t, newCancelled.id);
    expect(nc.teleconsultation!.status).toBe('cancelled');
    expect(nc.links).toBe(0);
    expect((await footprint(t, notVideo.id)).teleconsultation).toBeUndefined();
    // Links of the cancelled ones are revoked.
    const live = await s.database.db.select({ n: count() }).from(schema.accessLinks)
      .where(and(eq(schema.accessLinks.teleconsultationId, (await footprint(t, cancelled.id)).teleconsultation!.id), sql`${schema.accessLinks.revokedAt} is null`));
    expect(live[0]!.n).toBe(0);
  }));

  it('counts an appointment listed twice in a page once, at its highest version, whatever the order', () => withApp(async ({ t, hub }) => {
    const s = t.app.services;
    const v1 = hub.makeAppointment({ version: 1 });
    const v2 = { ...v1, version: 2, durationMinutes: 45 };
    const outcomes = await s.database.db.transaction((tx) => applyAppointments(tx, s.apply, [v2, v1, v2], { kind: 'system', process: 'reconcile' }));
    expect(outcomes).toEqual(['created', 'stale', 'stale']);
    const f = await footprint(t, v1.id);
    expect(f.version).toBe(2);
    expect(f.teleconsultation!.durationMinutes).toBe(45);
    expect(f.links).toBe(2);
    expect(f.events).toEqual(['teleconsultation.created']);
    // An older version arriving later changes nothing.
    const late = await s.database.db.transaction((tx) => applyAppointments(tx, s.apply, [v1], { kind: 'system', process: 'reconcile' }));
    expect(late).toEqual(['stale']);
    expect((await footprint(t, v1.id)).teleconsultation!.durationMinutes).toBe(45);
  }));

  it('stores nothing of a page that fails half-way, keeps the pages before it and their watermark, and resumes', () => withApp(async ({ t, hub }) => {
    const list = storeInOrder(hub, 6);
    const victim = list[3]!.id;
    let failing = true;
    // A subscriber that throws, as any step of a change can: the transaction of its page is rolled back.
    t.app.services.lifecycle.onChange(async (_tx, change) => {
      if (failing && change.teleconsultation.appointmentId === victim) throw new Error('injected failure');
    });
    await expectAsync(reconcile(depsOf(t), 2)).toBeRejectedWithError('injected failure');
    for (const a of list.slice(0, 2)) expect((await footprint(t, a.id)).links).withContext('page 1').toBe(2);
    for (const a of list.slice(2, 4)) {
      const f = await footprint(t, a.id);
      expect(f.version).withContext(`${a.id}: no version row`).toBeUndefined();
      expect(f.teleconsultation).withContext(a.id).toBeUndefined();
    }
    // Page 3 was applied beside page 2 (two pages at once; the run learns of page 2's failure
    // after starting it), and is stored whole.
    for (const a of list.slice(4)) expect((await footprint(t, a.id)).links).withContext('page 3').toBe(2);
    const jobs = (await t.app.services.database.db.execute(sql`select count(*)::int as n from pgboss.job where name = 'agenda-writeback'`)) as unknown as { rows: { n: number }[] };
    expect(jobs.rows[0]!.n).withContext('write-backs of pages 1 and 3').toBe(4);
    // The watermark does not pass the failed page, though the page after it is stored.
    expect(await watermark(t)).toBe(new Date(Date.parse(list[1]!.updatedAt) - FIVE_MINUTES).toISOString());

    failing = false;
    const resumed = await reconcile(depsOf(t), 2);
    // Pages 2 and 3 are read again; page 3's appointments are already applied.
    expect(resumed.applied).toBe(2);
    for (const a of list) {
      const f = await footprint(t, a.id);
      expect([f.links, f.events.length, f.writeBackJobs]).withContext(a.id).toEqual([2, 1, 1]);
    }
    expect(await watermark(t)).toBe(new Date(Date.parse(list[5]!.updatedAt) - FIVE_MINUTES).toISOString());
  }));

  it('keeps the pages applied before the hub sent a malformed one, and applies the rest once it is fixed', () => withApp(async ({ t, hub }) => {
    const list = storeInOrder(hub, 2);
    await new Promise((r) => setTimeout(r, 5));
    // The third item (page 2) breaks the contract: the client refuses the whole page.
    hub.injectRaw('apt_malformed', { id: 'apt_malformed', version: 'one' });
    await new Promise((r) => setTimeout(r, 5));
    const after = storeInOrder(hub, 2);
    await expectAsync(reconcile(depsOf(t), 2)).toBeRejected();
    for (const a of list) expect((await footprint(t, a.id)).links).toBe(2);
    for (const a of after) expect((await footprint(t, a.id)).teleconsultation).toBeUndefined();
    expect(await watermark(t)).toBe(new Date(Date.parse(list[1]!.updatedAt) - FIVE_MINUTES).toISOString());
    hub.remove('apt_malformed');
    await reconcile(depsOf(t), 2);
    const rows = await t.app.services.database.db.select({ n: count() }).from(schema.teleconsultations)
      .where(inArray(schema.teleconsultations.appointmentId, [...list, ...after].map((a) => a.id)));
    expect(rows[0]!.n).toBe(4);
  }));
});
