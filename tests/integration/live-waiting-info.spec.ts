import { and, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { useAppWithHub } from '../support/harness.ts';
import { useLivePairs, type LivePair } from './live-helpers.ts';

describe('live waiting room information', () => {
  const { t, hub } = useAppWithHub();
  const { pair, connect } = useLivePairs(t, hub);

  async function participant(id: string, role: 'practitioner' | 'patient') {
    const [row] = await t.app.services.database.db.select().from(schema.participants)
      .where(and(eq(schema.participants.teleconsultationId, id), eq(schema.participants.role, role)));
    return row;
  }

  async function waitingPair(p: LivePair) {
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    return { practitioner, patient };
  }

  /** An appointment starting now: today in the practitioner's zone, whatever the hour the spec runs. */
  const now = () => new Date().toISOString();

  it("gives the patient the practitioner's refusal message, trimmed, and keeps it with the refusal", async () => {
    const p = await pair();
    const { practitioner, patient } = await waitingPair(p);
    practitioner.send({ type: 'deny', message: '  Merci de reprendre rendez-vous.  ' });
    const denied = await patient.next('denied');
    expect(denied.message).toBe('Merci de reprendre rendez-vous.');
    const row = await participant(p.tc.id, 'patient');
    expect(row?.state).toBe('denied');
    expect(row?.deniedMessage).toBe('Merci de reprendre rendez-vous.');
    // Reloading, the refused patient reads it again in the state.
    const again = await connect(p, 'patient');
    expect(again.all('state')[0]!.waiting.deniedMessage).toBe('Merci de reprendre rendez-vous.');
  });

  it('refuses without a message as before: nothing stored, no message sent', async () => {
    const p = await pair();
    const { practitioner, patient } = await waitingPair(p);
    practitioner.send({ type: 'deny' });
    const denied = await patient.next('denied');
    expect(denied.message).toBeUndefined();
    expect((await participant(p.tc.id, 'patient'))?.deniedMessage).toBeNull();
  });

  it("tells the waiting patient the practitioner's delay, keeps it in the state after a reconnect, and clears it on admission", async () => {
    const p = await pair();
    const { practitioner, patient } = await waitingPair(p);
    practitioner.send({ type: 'delay', minutes: 10 });
    const told = await patient.next('waiting', (m) => m.waiting.delayMinutes === 10);
    expect(told.waiting.delayedAt).not.toBeNull();
    const row = await participant(p.tc.id, 'practitioner');
    expect(row?.delayMinutes).toBe(10);
    expect(row?.delayedAt?.toISOString()).toBe(told.waiting.delayedAt!);
    await patient.close();
    const back = await connect(p, 'patient');
    expect(back.all('state')[0]!.waiting).toEqual(jasmine.objectContaining({ delayMinutes: 10, delayedAt: told.waiting.delayedAt }));
    // Withdrawn with 0.
    practitioner.send({ type: 'delay', minutes: 0 });
    expect((await back.next('waiting')).waiting).toEqual(jasmine.objectContaining({ delayMinutes: null, delayedAt: null }));
    practitioner.send({ type: 'delay', minutes: 5 });
    await back.next('waiting', (m) => m.waiting.delayMinutes === 5);
    back.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'admit' });
    await back.next('admitted');
    await practitioner.next('waiting', (m) => m.waiting.delayMinutes === null);
    expect((await participant(p.tc.id, 'practitioner'))?.delayMinutes).toBeNull();
  });

  it('refuses delay, deny and admit from the patient with NOT_ALLOWED and changes nothing', async () => {
    const p = await pair();
    const { practitioner, patient } = await waitingPair(p);
    const before = { patient: await participant(p.tc.id, 'patient'), practitioner: await participant(p.tc.id, 'practitioner') };
    for (const m of [{ type: 'delay', minutes: 15 }, { type: 'deny', message: 'Je pars' }, { type: 'admit' }] as const) {
      patient.send(m);
      expect((await patient.next('error')).code).toBe('NOT_ALLOWED');
    }
    await patient.sync();
    await practitioner.sync();
    const after = { patient: await participant(p.tc.id, 'patient'), practitioner: await participant(p.tc.id, 'practitioner') };
    expect(after.patient?.state).toBe('waiting');
    expect(after.patient?.deniedMessage).toBeNull();
    expect(after.practitioner?.delayMinutes).toBeNull();
    expect(after.practitioner?.delayedAt).toBeNull();
    expect(after.patient?.updatedAt).toEqual(before.patient!.updatedAt);
    expect(practitioner.all('waiting')).toEqual([]);
    expect(patient.all('denied')).toEqual([]);
    expect(patient.all('admitted')).toEqual([]);
  });

  it("tells a waiting patient when the practitioner is busy in another of their consultations today, and when they are free again", async () => {
    // A practitioner of their own: other specs leave consultations of the default one in progress.
    const practitioner = { id: `prac_${Math.random().toString(36).slice(2)}` };
    const waitingHere = await pair({ startsAt: now(), practitioner });
    const { patient } = await waitingPair(waitingHere);
    expect(patient.all('state')[0]!.waiting.practitionerBusy).toBeFalse();
    const other = await pair({ startsAt: now(), practitioner });
    const { practitioner: otherPractitioner, patient: otherPatient } = await waitingPair(other);
    otherPractitioner.send({ type: 'admit' });
    await otherPatient.next('admitted');
    expect((await patient.next('waiting', (m) => m.waiting.practitionerBusy)).waiting.practitionerBusy).toBeTrue();
    otherPractitioner.send({ type: 'end' });
    await otherPatient.next('status', (m) => m.status === 'ended');
    expect((await patient.next('waiting', (m) => !m.waiting.practitionerBusy)).waiting.practitionerBusy).toBeFalse();
  });

  it('sends both pages the new summary when the agenda moves the appointment', async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    const later = new Date(Date.parse(p.tc.appointment.startsAt) + 90 * 60_000).toISOString();
    const moved = hub.upsert({ ...(hub.get(p.tc.appointment.id) ?? p.tc.appointment), startsAt: later }, { bump: true });
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.updated', moved)).status).toBe(202);
    const told = await patient.next('teleconsultation');
    expect(told.teleconsultation.startsAt).toBe(later);
    expect(told.teleconsultation.id).toBe(p.tc.id);
    expect((await practitioner.next('teleconsultation')).teleconsultation.startsAt).toBe(later);
  });
});
