/**
 * A whole journey — booking, links, waiting room, call, chat, invoice, payment, end — with
 * everything the service logs kept, then searched for every patient datum, chat text and
 * token the journey used: none may appear.
 */
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { outbox, paymentRequests } from '../../connector/db/schema/index.ts';
import { startAgendaHub, type AgendaHub } from '../fakes/agenda-hub.ts';
import { agendaEnv, eventually, startTestApp, type TestApp } from '../support/harness.ts';
import { LiveClient } from './live-helpers.ts';

describe('logs of a whole journey', () => {
  let hub: AgendaHub;
  let t: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    hub = await startAgendaHub();
    t = await startTestApp({
      env: { ...agendaEnv(hub), LOG_LEVEL: 'debug' },
      logStream: new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } }),
    });
  });
  afterAll(async () => {
    await t.close();
    await hub.close();
  });

  it('hold no name, phone, email, chat text, link, token or cookie', async () => {
    const patient = { firstName: 'Zéphyrine', lastName: 'Quennevat', email: 'zephyrine.quennevat@example.net', mobile: '+33600009876' };
    const appointment = hub.upsert(hub.makeAppointment({ patient }));
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', appointment)).status).toBe(202);
    const links = await eventually(() => hub.writeBacks.get(appointment.id)?.[0], 'the links written back');
    const local = (url: string) => url.replace(t.config.publicUrl, t.url);
    const open = async (url: string) => {
      const res = await fetch(local(url), { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(res.status).toBe(303);
      return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]!, id: (res.headers.get('location') ?? '').split('/').at(-1)! };
    };
    const practitioner = await open(links.joinUrl);
    const patientSession = await open(links.patientUrl);
    // A wrong token, too: refused, and its text not logged either.
    const forged = `${links.patientUrl.slice(0, -3)}xyz`;
    expect((await fetch(local(forged), { redirect: 'manual' })).status).toBe(404);

    const panel = await LiveClient.connect(t.url, practitioner.id, 'practitioner', practitioner.cookie);
    const phone = await LiveClient.connect(t.url, patientSession.id, 'patient', patientSession.cookie);
    await Promise.all([panel.next('state'), phone.next('state')]);
    phone.send({ type: 'knock' });
    await panel.next('presence', (m) => m.presence.patient === 'waiting');
    panel.send({ type: 'admit' });
    await phone.next('admitted');
    const chats = ['Bonjour, j’ai une éruption sur le bras gauche depuis mardi', 'Montrez-moi la zone avec la caméra arrière'];
    phone.send({ type: 'chat', text: chats[0]! });
    await panel.next('chat', (m) => m.text === chats[0]);
    panel.send({ type: 'chat', text: chats[1]! });
    await phone.next('chat', (m) => m.text === chats[1]);

    const invoice = await fetch(`${t.url}/api/live/${practitioner.id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie: practitioner.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(invoice.status).toBe(201);
    const { payment } = (await invoice.json()) as { payment: { id: string; url: string } };
    await eventually(async () => (await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id)))[0]?.status === 'requested', 'the payment page made');
    const page = await fetch(local(payment.url), { redirect: 'manual' });
    const sandboxUrl = page.headers.get('location')!;
    expect(sandboxUrl).toContain('/pay/sandbox/');
    expect((await fetch(`${local(sandboxUrl)}/paid`, { method: 'POST', redirect: 'manual' })).status).toBe(303);

    panel.send({ type: 'end' });
    await phone.next('status', (m) => m.status === 'ended');
    // The closing message reaches the dev outbox (its links logged as a count only).
    await eventually(async () => (await t.app.services.database.db.select().from(outbox)).some((o) => o.text.includes(payment.url) || o.text.includes('/pay/')), 'the end message');
    await Promise.all([panel.close(), phone.close()]);

    const logged = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    const tokens = [links.joinUrl, links.patientUrl, forged, payment.url, sandboxUrl].map((u) => new URL(u).pathname.split('/').at(-1)!);
    const cookies = [practitioner.cookie, patientSession.cookie].map((c) => c.split('=')[1]!);
    const secrets = [
      patient.firstName, patient.lastName, patient.email, patient.mobile, patient.mobile.slice(1), '6 00 00 98 76', ...chats,
      ...tokens, ...cookies, ...tokens.map((tok) => tok.split('.')[1]!),
    ];
    for (const secret of secrets) expect(logged.includes(secret)).withContext(`the logs hold ${secret}`).toBeFalse();
  });
});
