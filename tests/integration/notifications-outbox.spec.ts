/**
 * The dev outbox: without provider keys, every message is stored, logged in one line
 * (without its links' tokens nor the patient's contact details) and shown at /dev/outbox and
 * /dev/outbox.json (with a real agenda connected, to the operator only). Each channel is on
 * its own: Twilio alone leaves only email there.
 */
import { Writable } from 'node:stream';
import { messagesOf } from '../../connector/notifications/send.ts';
import { OUTBOX_TITLE } from '../../connector/notifications/outbox.ts';
import { activeLinks, linkUrl } from '../../connector/teleconsultations/links.ts';
import { startTwilioFake } from '../fakes/twilio.ts';
import { eventually, TEST_LINK_SECRET, useAppWithHub, OPERATOR_HEADERS } from '../support/harness.ts';
import { deliverApplied, providerEnv, PUBLIC_URL } from './notifications-helpers.ts';

interface OutboxJson {
  notice: string;
  channels: { email: boolean; sms: boolean };
  messages: { messageId: string; kind: string; channel: string; recipient: string; links: string[]; teleconsultationId: string }[];
}

describe('notifications: the dev outbox without provider keys', () => {
  const logs: string[] = [];
  const { t, hub } = useAppWithHub(() => ({
    env: { ...providerEnv(undefined, undefined), LOG_LEVEL: 'info' },
    logStream: new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } }),
  }));

  it('keeps every message with its link, logs one line each without contact details, and shows them', async () => {
    const a = hub.upsert(hub.makeAppointment({ patient: { firstName: 'Zéphyrine', lastName: 'Quintal-Outbox', email: 'zephyrine.outbox@example.com', mobile: '+33600007777' } }));
    const id = await deliverApplied(t, hub, 'appointment.created', a);
    const db = t.app.services.database.db;
    await eventually(async () => (await messagesOf(db, id)).filter((m) => m.kind === 'confirmation' && m.status === 'sent').length === 2, 'both confirmations in the outbox');
    const rows = (await messagesOf(db, id)).filter((m) => m.kind === 'confirmation');
    expect(rows.map((m) => m.provider)).toEqual(['outbox', 'outbox']);
    const link = linkUrl(PUBLIC_URL, TEST_LINK_SECRET, (await activeLinks(db, id)).patient!);

    const json = (await (await fetch(`${t.url}/dev/outbox.json`, { headers: OPERATOR_HEADERS })).json()) as OutboxJson;
    expect(json.notice).toBe(OUTBOX_TITLE);
    expect(json.channels).toEqual({ email: true, sms: true });
    const mine = json.messages.filter((m) => m.teleconsultationId === id);
    expect(mine.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    for (const m of mine) {
      expect(m.kind).toBe('confirmation');
      expect(m.links).toContain(link);
    }
    expect(mine.find((m) => m.channel === 'sms')?.recipient).toBe('+33600007777');

    const page = await fetch(`${t.url}/dev/outbox`, { headers: OPERATOR_HEADERS });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain("Boîte d'envoi de développement — aucun message n'est réellement envoyé".replaceAll("'", '&#39;'));
    expect(html).toContain(`href="${link}"`);
    expect(html).toContain('zephyrine.outbox@example.com');

    const lines = logs.join('').split('\n').filter((l) => l.includes('"devOutbox":true') && l.includes(id));
    expect(lines.length).toBe(2);
    for (const l of lines) {
      // A link opens a consultation: its token is never logged.
      expect(l).not.toContain(link);
      expect(l).not.toContain(link.split('/').at(-1)!);
      expect(l).toContain('confirmation');
      for (const secret of ['Zéphyrine', 'Quintal-Outbox', 'zephyrine.outbox@example.com', '+33600007777', '600007777']) expect(l).not.toContain(secret);
    }
    // And nowhere else in the log either.
    for (const secret of ['Zéphyrine', 'Quintal-Outbox', 'zephyrine.outbox@example.com', '+33600007777']) expect(logs.join('')).not.toContain(secret);
  });
});

describe('notifications: the dev outbox for email only (Twilio configured)', () => {
  const { t, hub, tw } = useAppWithHub({ tw: startTwilioFake }, ({ tw }) => ({ env: providerEnv(undefined, tw) }));

  it('sends SMS through Twilio and keeps only emails in the outbox', async () => {
    const a = hub.upsert(hub.makeAppointment());
    const id = await deliverApplied(t, hub, 'appointment.created', a);
    const db = t.app.services.database.db;
    await eventually(async () => (await messagesOf(db, id)).filter((m) => m.kind === 'confirmation' && m.status === 'sent').length === 2, 'both confirmations sent');
    const rows = (await messagesOf(db, id)).filter((m) => m.kind === 'confirmation');
    expect(rows.find((m) => m.channel === 'sms')?.provider).toBe('twilio');
    expect(rows.find((m) => m.channel === 'email')?.provider).toBe('outbox');
    expect(tw.messages.filter((m) => m.to === a.patient.mobile).length).toBe(1);
    const json = (await (await fetch(`${t.url}/dev/outbox.json`, { headers: OPERATOR_HEADERS })).json()) as OutboxJson;
    expect(json.channels).toEqual({ email: true, sms: false });
    expect(json.messages.filter((m) => m.teleconsultationId === id).map((m) => m.channel)).toEqual(['email']);
  });

  it('shows the outbox only to the operator once a real agenda is connected, whatever the address', async () => {
    const remote = await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '203.0.113.7' });
    expect(remote.statusCode).toBe(404);
    // Neither a forwarded header nor this machine's address stands for the credential.
    const forwarded = await t.app.inject({ url: '/dev/outbox', remoteAddress: '203.0.113.7', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(forwarded.statusCode).toBe(404);
    const local = await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(404);
    const operator = await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '203.0.113.7', headers: OPERATOR_HEADERS });
    expect(operator.statusCode).toBe(200);
  });
});
