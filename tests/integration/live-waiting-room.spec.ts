import { and, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { CLOSE_CODES, MAX_CLIENT_MESSAGE_BYTES } from '#protocol/live';
import { DEFAULT_REJOIN_GRACE_MS } from '../../connector/live/presence.ts';
import { sessionCookieName } from '../../connector/sessions/sessions.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { cancelTeleconsultation, LiveClient, useLivePairs } from './live-helpers.ts';

describe('live waiting room', () => {
  // The app's clock: tests move it past the rejoin grace window.
  let offsetMs = 0;
  const { t, hub } = useAppWithHub(() => ({ now: () => new Date(Date.now() + offsetMs) }));
  const { pair, connect, admitted } = useLivePairs(t, hub);
  beforeEach(() => { offsetMs = 0; });

  async function patientRow(id: string) {
    const [row] = await t.app.services.database.db.select().from(schema.participants)
      .where(and(eq(schema.participants.teleconsultationId, id), eq(schema.participants.role, 'patient')));
    return row;
  }

  async function teleconsultation(id: string) {
    const [row] = await t.app.services.database.db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, id));
    return row!;
  }

  it('closes a socket without a session with 4401, and with the cookie of another teleconsultation too', async () => {
    const a = await pair();
    const b = await pair();
    const none = await LiveClient.connect(t.url, a.tc.id, 'patient');
    expect(await none.closed()).toBe(CLOSE_CODES.unauthorized);
    const value = a.patientCookie.split('=').slice(1).join('=');
    const borrowed = await LiveClient.connect(t.url, b.tc.id, 'patient', `${sessionCookieName('patient', b.tc.id)}=${value}`);
    expect(await borrowed.closed()).toBe(CLOSE_CODES.unauthorized);
    expect(borrowed.messages).toEqual([]);
    // The patient's session does not open the practitioner's side.
    const asPractitioner = await LiveClient.connect(t.url, a.tc.id, 'practitioner', `${sessionCookieName('practitioner', a.tc.id)}=${value}`);
    expect(await asPractitioner.closed()).toBe(CLOSE_CODES.unauthorized);
  });

  it("sends the state first, then shows the patient's knock on the practitioner's panel live", async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const state = practitioner.all('state')[0]!;
    expect(state.you.role).toBe('practitioner');
    expect(state.teleconsultation.id).toBe(p.tc.id);
    expect(state.presence.patient).toBe('absent');
    expect(state.media.driver).toBe('p2p');
    const patient = await connect(p, 'patient');
    expect(patient.all('state')[0]!.presence.practitioner).toBe('online');
    patient.send({ type: 'knock' });
    const waiting = await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    expect(waiting.presence.waitingSince).not.toBeNull();
    expect((await practitioner.next('status')).status).toBe('waiting');
    expect((await teleconsultation(p.tc.id)).status).toBe('waiting');
    const events = await t.app.services.database.db.select().from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, p.tc.id));
    expect(events.map((e) => e.type)).toContain('patient.waiting');
    const wb = await eventually(() => hub.writeBacks.get(p.tc.appointment.id)?.find((w) => w.status === 'waiting'), 'the waiting write-back');
    expect(wb.status).toBe('waiting');
  });

  it('records the admission before the patient hears of it, and moves the teleconsultation in progress', async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    // Read at the moment the patient hears: the database already says so.
    const row = await patientRow(p.tc.id);
    expect(row?.state).toBe('admitted');
    expect(row?.admittedAt).not.toBeNull();
    const tc = await teleconsultation(p.tc.id);
    expect(tc.status).toBe('in_progress');
    expect(tc.startedAt).not.toBeNull(); // p2p: the connector is the witness
    expect(tc.revision).toBeGreaterThan(tc.agendaRevision - 1);
    expect((await practitioner.next('presence', (m) => m.presence.patient === 'admitted')).presence.patient).toBe('admitted');
    await eventually(() => hub.writeBacks.get(p.tc.appointment.id)?.find((w) => w.status === 'in_progress'), 'the in-progress write-back');
  });

  it("ends the teleconsultation with the practitioner's red phone: status live on both pages, the agenda and the end message told", async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'end' });
    await patient.next('status', (m) => m.status === 'ended');
    await practitioner.next('status', (m) => m.status === 'ended');
    const tc = await teleconsultation(p.tc.id);
    expect(tc.status).toBe('ended');
    expect(tc.endedAt).not.toBeNull();
    await eventually(() => hub.writeBacks.get(p.tc.appointment.id)?.find((w) => w.status === 'ended'), 'the ended write-back');
    const ended = await t.app.services.database.db.select().from(schema.messages).where(eq(schema.messages.teleconsultationId, p.tc.id));
    expect(ended.filter((m) => m.kind === 'ended').length).toBeGreaterThan(0);
  });

  it('lets a patient who reloads within the grace window back in without knocking', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    await patient.close();
    await practitioner.next('presence', (m) => m.presence.patient === 'absent');
    offsetMs = DEFAULT_REJOIN_GRACE_MS - 30_000;
    const again = await connect(p, 'patient');
    expect(again.all('state')[0]!.presence.patient).toBe('admitted');
    await again.next('admitted');
    await practitioner.next('presence', (m) => m.presence.patient === 'admitted');
    // In the call: chat is allowed without a new knock.
    again.send({ type: 'chat', text: 'Me revoilà' });
    expect((await practitioner.next('chat')).from).toBe('patient');
  });

  it('makes a patient who comes back after the grace window knock again', async () => {
    const p = await pair();
    const { patient } = await admitted(p);
    await patient.close();
    await eventually(async () => (await patientRow(p.tc.id))?.connectionId === null, 'the departure recorded');
    offsetMs = DEFAULT_REJOIN_GRACE_MS + 60_000;
    const again = await connect(p, 'patient');
    expect(again.all('state')[0]!.presence.patient).toBe('absent');
    again.send({ type: 'chat', text: 'Bonjour ?' });
    expect((await again.next('error')).code).toBe('NOT_ADMITTED');
    expect(again.all('admitted')).toEqual([]);
    again.send({ type: 'knock' });
    await eventually(async () => (await patientRow(p.tc.id))?.state === 'waiting', 'waiting again');
    // The practitioner, whatever the clock, is never locked out.
    const practitioner = await connect(p, 'practitioner');
    expect(practitioner.all('state')[0]!.presence.patient).toBe('waiting');
    practitioner.send({ type: 'admit' });
    await again.next('admitted');
  });

  it('lets the practitioner reconnect at any time, and a new tab take over the old one', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    await practitioner.close();
    offsetMs = 6 * 3_600_000;
    const back = await connect(p, 'practitioner');
    expect(back.all('state')[0]!.you.role).toBe('practitioner');
    const second = await connect(p, 'practitioner');
    expect(await back.closed()).toBe(CLOSE_CODES.replaced);
    second.send({ type: 'pointer', x: 0.5, y: 0.25, visible: true });
    const pointer = await patient.next('pointer');
    expect(pointer).toEqual({ type: 'pointer', from: 'practitioner', x: 0.5, y: 0.25, visible: true });
  });

  it("refuses the patient's admit and camera commands, and keeps the connection", async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    patient.send({ type: 'admit' });
    expect((await patient.next('error')).code).toBe('NOT_ALLOWED');
    expect((await patientRow(p.tc.id))?.state).toBe('waiting');
    patient.send({ type: 'signal', data: { kind: 'offer', sdp: 'v=0' } });
    expect((await patient.next('error')).code).toBe('NOT_ADMITTED');
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    patient.send({ type: 'camera', command: 'zoom-in' });
    expect((await patient.next('error')).code).toBe('NOT_ALLOWED');
    // The practitioner got nothing of it: the next thing it sees is the chat sent after.
    patient.send({ type: 'chat', text: 'ok' });
    await practitioner.next('chat');
    expect(practitioner.all('camera')).toEqual([]);
    expect(practitioner.all('signal')).toEqual([]);
    await patient.sync();
  });

  it('never lets a message name its sender: `from` is the session role', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    patient.send({ type: 'chat', text: 'hello', from: 'practitioner' } as Record<string, unknown>);
    expect((await patient.next('error')).code).toBe('MESSAGE_INVALID');
    patient.send({ type: 'chat', text: 'hello', clientId: 'c1' });
    const got = await practitioner.next('chat');
    expect(got.from).toBe('patient');
    expect(got.text).toBe('hello');
    const echo = await patient.next('chat');
    expect(echo.clientId).toBe('c1');
    expect(echo.id).toBe(got.id);
    practitioner.send({ type: 'camera', command: 'zoom-in' });
    expect(await patient.next('camera')).toEqual({ type: 'camera', from: 'practitioner', command: 'zoom-in' });
    patient.send({ type: 'signal', data: { kind: 'offer', sdp: 'v=0' } });
    expect((await practitioner.next('signal')).from).toBe('patient');
  });

  it('answers a malformed message with MESSAGE_INVALID and keeps the connection open', async () => {
    const p = await pair();
    const patient = await connect(p, 'patient');
    patient.send('{not json');
    expect((await patient.next('error')).code).toBe('MESSAGE_INVALID');
    patient.send({ type: 'teleport' });
    expect((await patient.next('error')).code).toBe('MESSAGE_INVALID');
    patient.send({ type: 'pointer', x: 3, y: 0, visible: true });
    expect((await patient.next('error')).code).toBe('MESSAGE_INVALID');
    await patient.sync();
    expect(patient.closeCode).toBeUndefined();
  });

  it('closes with 1008 on an oversize message and on a flood', async () => {
    const p = await pair();
    const big = await connect(p, 'patient');
    big.send(JSON.stringify({ type: 'chat', text: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) }));
    expect(await big.closed()).toBe(CLOSE_CODES.policy);
    const flood = await connect(p, 'patient');
    for (let i = 0; i < 1_000; i++) flood.send({ type: 'ping' });
    expect(await flood.closed()).toBe(CLOSE_CODES.policy);
  });

  it('shows a waiting patient no chat, neither the history nor new messages, and the whole conversation once let in', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'chat', text: 'Avant la pause' });
    await patient.next('chat', (m) => m.text === 'Avant la pause');
    await patient.close();
    offsetMs = DEFAULT_REJOIN_GRACE_MS + 60_000; // past the rejoin grace: the patient must knock again
    const waiting = await connect(p, 'patient');
    waiting.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'chat', text: 'Pendant l\'attente' });
    await practitioner.next('chat', (m) => m.text === 'Pendant l\'attente'); // the echo: it was relayed
    await waiting.sync();
    expect(waiting.messages.filter((m) => m.type === 'chat')).toEqual([]);
    practitioner.send({ type: 'admit' });
    await waiting.next('admitted');
    await waiting.next('chat', (m) => m.text === 'Avant la pause');
    await waiting.next('chat', (m) => m.text === 'Pendant l\'attente');
  });

  it('keeps the chat and gives it to a late joiner', async () => {
    const p = await pair();
    const { practitioner, patient } = await admitted(p);
    practitioner.send({ type: 'chat', text: 'Premier message' });
    await patient.next('chat', (m) => m.text === 'Premier message');
    patient.send({ type: 'chat', text: 'Second message' });
    await practitioner.next('chat', (m) => m.text === 'Second message');
    const rows = await t.app.services.database.db.select().from(schema.chatMessages).where(eq(schema.chatMessages.teleconsultationId, p.tc.id));
    expect(rows.map((r) => [r.sender, r.text]).sort()).toEqual([['patient', 'Second message'], ['practitioner', 'Premier message']]);
    const late = await connect(p, 'practitioner');
    await late.next('chat', (m) => m.text === 'Premier message' && m.from === 'practitioner');
    await late.next('chat', (m) => m.text === 'Second message' && m.from === 'patient');
  });

  it('closes both sides with 4410 when the teleconsultation is cancelled, and refuses them after', async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    await cancelTeleconsultation(t, hub, p.tc);
    expect(await patient.closed()).toBe(CLOSE_CODES.gone);
    expect(await practitioner.closed()).toBe(CLOSE_CODES.gone);
    const again = await LiveClient.connect(t.url, p.tc.id, 'patient', p.patientCookie);
    expect(await again.closed()).toBe(CLOSE_CODES.gone);
  });

  it('lets the practitioner deny a waiting patient', async () => {
    const p = await pair();
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'deny' });
    await patient.next('denied');
    expect((await patientRow(p.tc.id))?.state).toBe('denied');
    await practitioner.next('presence', (m) => m.presence.patient === 'denied');
  });
});
