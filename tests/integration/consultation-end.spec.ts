import { and, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { endedWriteBacks, endMessagesSent, useLivePairs, type LivePair } from './live-helpers.ts';

describe('the end of a consultation, from either side', () => {
  // The app's clock: a spec moves it past the call's window.
  let offsetMs = 0;
  const { t, hub } = useAppWithHub(() => ({ now: () => new Date(Date.now() + offsetMs) }));
  const { pair, connect, admitted } = useLivePairs(t, hub);
  beforeEach(() => { offsetMs = 0; });

  const db = () => t.app.services.database.db;
  async function row(id: string) {
    const [r] = await db().select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, id));
    return r!;
  }
  /** Settles the jobs a change planned: a later write-back or message would be seen after this. */
  async function settled(p: LivePair): Promise<void> {
    await eventually(async () => ((await endMessagesSent(t, p.tc.id)).length === 2 ? true : undefined), 'both end messages sent');
    await eventually(async () => ((await row(p.tc.id)).agendaRevision === (await row(p.tc.id)).revision ? true : undefined), 'the agenda up to date');
  }

  it("ends it for both with the patient's red phone: both pages told, the agenda told once, the end email and SMS sent once", async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    patient.send({ type: 'end' });
    const onPanel = await practitioner.next('status', (m) => m.status === 'ended');
    expect(onPanel.endedBy).toBe('patient');
    expect((await patient.next('status', (m) => m.status === 'ended')).endedBy).toBe('patient');
    const ended = await row(p.tc.id);
    expect(ended.status).toBe('ended');
    expect(ended.endedBy).toBe('patient');
    expect(ended.endedAt).not.toBeNull();
    // A second red phone (the practitioner's, or the patient's again) changes nothing.
    practitioner.send({ type: 'end' });
    patient.send({ type: 'end' });
    await practitioner.sync();
    await patient.sync();
    await settled(p);
    expect(await endMessagesSent(t, p.tc.id)).toEqual(['email', 'sms']);
    expect(endedWriteBacks(hub, p.tc.appointment.id)).toBe(1);
    expect((await row(p.tc.id)).endedBy).toBe('patient');
    const events = await db().select().from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, p.tc.id));
    const end = events.filter((e) => e.type === 'teleconsultation.ended');
    expect(end.length).toBe(1);
    expect(end[0]!.actor.kind).toBe('patient');
  });

  it('"€ Facture" keeps working after the end: the payment link then goes by SMS and by email', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    patient.send({ type: 'end' });
    await practitioner.next('status', (m) => m.status === 'ended');
    const res = await fetch(`${t.url}/api/live/${p.tc.id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie: p.practitionerCookie, 'content-type': 'application/json', origin: t.url }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(res.status).toBe(201);
    const sent = await eventually(async () => {
      const rows = await db().select({ channel: schema.outbox.channel, text: schema.outbox.text }).from(schema.outbox)
        .innerJoin(schema.messages, eq(schema.messages.id, schema.outbox.messageId))
        .where(and(eq(schema.messages.teleconsultationId, p.tc.id), eq(schema.messages.kind, 'payment_request')));
      return rows.length === 2 ? rows : undefined;
    }, 'the payment link by SMS and email');
    expect(sent.map((r) => r.channel).sort()).toEqual(['email', 'sms']);
    expect(sent.every((r) => r.text.includes('/pay/'))).toBeTrue();
  });

  it('refuses the red phone of a patient who was not let in (NOT_ADMITTED), and changes nothing', async () => {
    const p = await pair();
    await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    patient.send({ type: 'end' });
    expect((await patient.next('error')).code).toBe('NOT_ADMITTED');
    const r = await row(p.tc.id);
    expect(r.status).toBe('waiting');
    expect(r.endedAt).toBeNull();
  });

  it('lets a patient who hung up come back while the practitioner is there ("Revenir dans la consultation"), without a second end message', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    patient.send({ type: 'end' });
    await practitioner.next('status', (m) => m.status === 'ended');
    await settled(p);
    patient.send({ type: 'return' });
    // (The admission's own `in_progress` came without `endedBy`.)
    expect((await practitioner.next('status', (m) => m.status === 'in_progress' && m.endedBy !== undefined)).endedBy).toBeNull();
    await patient.next('status', (m) => m.status === 'in_progress' && m.endedBy !== undefined);
    const back = await row(p.tc.id);
    expect(back.status).toBe('in_progress');
    expect(back.endedAt).toBeNull();
    expect(back.endedBy).toBeNull();
    // In the call again: the conversation goes on.
    patient.send({ type: 'chat', text: 'Pardon, mauvais bouton' });
    expect((await practitioner.next('chat', (m) => m.from === 'patient')).text).toBe('Pardon, mauvais bouton');
    // Ended again, by the practitioner this time: the end messages are the first ones.
    practitioner.send({ type: 'end' });
    expect((await patient.next('status', (m) => m.status === 'ended' && m.endedBy === 'practitioner')).endedBy).toBe('practitioner');
    await settled(p);
    expect(await endMessagesSent(t, p.tc.id)).toEqual(['email', 'sms']);
    const events = await db().select().from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, p.tc.id));
    expect(events.filter((e) => e.type === 'teleconsultation.resumed').length).toBe(1);
  });

  it('refuses to come back (CANNOT_RETURN) once the practitioner ended it or left, and a return from the practitioner (NOT_ALLOWED)', async () => {
    const byPractitioner = await pair();
    const one = await admitted(byPractitioner);
    one.practitioner.send({ type: 'return' });
    expect((await one.practitioner.next('error')).code).toBe('NOT_ALLOWED');
    one.practitioner.send({ type: 'end' });
    await one.patient.next('status', (m) => m.status === 'ended');
    one.patient.send({ type: 'return' });
    expect((await one.patient.next('error')).code).toBe('CANNOT_RETURN');
    expect((await row(byPractitioner.tc.id)).status).toBe('ended');

    const left = await pair();
    const two = await admitted(left);
    two.patient.send({ type: 'end' });
    await two.practitioner.next('status', (m) => m.status === 'ended');
    await two.practitioner.close();
    await two.patient.next('presence', (m) => m.presence.practitioner === 'offline');
    two.patient.send({ type: 'return' });
    expect((await two.patient.next('error')).code).toBe('CANNOT_RETURN');
    expect((await row(left.tc.id)).status).toBe('ended');
  });

  it("refuses a knock once the call's window has closed (CALL_CLOSED): the link opens the consultation space", async () => {
    const p = await pair();
    await connect(p, 'practitioner');
    offsetMs = 3 * 86_400_000;
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    expect((await patient.next('error')).code).toBe('CALL_CLOSED');
    const [participant] = await db().select().from(schema.participants)
      .where(and(eq(schema.participants.teleconsultationId, p.tc.id), eq(schema.participants.role, 'patient')));
    expect(participant?.state).toBe('absent');
  });
});
