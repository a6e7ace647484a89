import { connect as tcpConnect } from 'node:net';
import { and, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { CLOSE_CODES } from '#protocol/live';
import { TEST_REDIS_URL } from '../support/database.ts';
import { agendaEnv, startTestApp, useAppWithHub, type TestApp } from '../support/harness.ts';
import { cancelTeleconsultation, LiveClient, makeTeleconsultation, openLink } from './live-helpers.ts';

/** Two instances only see each other through Redis: the run's, or the local one. */
const REDIS_URL = TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: u.hostname, port: Number(u.port || 6379) });
    socket.setTimeout(2_000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

describe('live waiting room across two instances (one database, one Redis)', () => {
  const { t: a, hub } = useAppWithHub(async () => {
    if (!(await reachable(REDIS_URL))) {
      throw new Error(`Redis is required for the two-instance test: nothing answers at ${REDIS_URL} (set REDIS_URL, or start Redis on 127.0.0.1:6379).`);
    }
    return { env: { REDIS_URL } };
  });
  let b: TestApp;
  const clients: LiveClient[] = [];

  // The second instance, on A's database: declared after A, so it closes before A drops it.
  beforeAll(async () => {
    b = await startTestApp({ env: { ...agendaEnv(hub), REDIS_URL }, database: a.database });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await b?.close();
  });

  async function connect(app: TestApp, id: string, role: 'practitioner' | 'patient', cookie: string): Promise<LiveClient> {
    const c = await LiveClient.connect(app.url, id, role, cookie);
    clients.push(c);
    await c.next('state');
    return c;
  }

  it('uses the Redis bus on both instances', () => {
    expect(a.app.services.bus.kind).toBe('redis');
    expect(b.app.services.bus.kind).toBe('redis');
  });

  it('shows the knock on A to the practitioner on B, and lets the patient in from B', async () => {
    const tc = await makeTeleconsultation(a, hub);
    // Each link opened on one instance works on the other: sessions are in the database.
    const practitionerCookie = (await openLink(a.url, tc.practitionerToken)).cookie;
    const patientCookie = (await openLink(b.url, tc.patientToken)).cookie;
    const practitioner = await connect(b, tc.id, 'practitioner', practitionerCookie);
    const patient = await connect(a, tc.id, 'patient', patientCookie);
    expect(patient.all('state')[0]!.presence.practitioner).toBe('online');

    patient.send({ type: 'knock' });
    const waiting = await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    expect(waiting.presence.waitingSince).not.toBeNull();
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    const [row] = await a.app.services.database.db.select().from(schema.participants)
      .where(and(eq(schema.participants.teleconsultationId, tc.id), eq(schema.participants.role, 'patient')));
    expect(row?.state).toBe('admitted');

    patient.send({ type: 'signal', data: { kind: 'offer', sdp: 'v=0' } });
    expect((await practitioner.next('signal')).from).toBe('patient');
    practitioner.send({ type: 'chat', text: 'Bonjour' });
    expect((await patient.next('chat')).from).toBe('practitioner');

    // The patient reloads onto the other instance: back in, no knock.
    await patient.close();
    await practitioner.next('presence', (m) => m.presence.patient === 'absent');
    const again = await connect(b, tc.id, 'patient', patientCookie);
    await again.next('admitted');
    await practitioner.next('presence', (m) => m.presence.patient === 'admitted');
    // A second tab on A takes over the one on B.
    const tab = await connect(a, tc.id, 'patient', patientCookie);
    expect(await again.closed()).toBe(CLOSE_CODES.replaced);
    await tab.next('admitted');
  });

  it('closes the sockets of a cancelled teleconsultation on both instances', async () => {
    const tc = await makeTeleconsultation(a, hub);
    const practitioner = await connect(a, tc.id, 'practitioner', (await openLink(a.url, tc.practitionerToken)).cookie);
    const patient = await connect(b, tc.id, 'patient', (await openLink(b.url, tc.patientToken)).cookie);
    await cancelTeleconsultation(a, hub, tc);
    expect(await practitioner.closed()).toBe(CLOSE_CODES.gone);
    expect(await patient.closed()).toBe(CLOSE_CODES.gone);
  });
});
