import { count, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import type { JitsiTokenResponse } from '#protocol/live';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { decodeJwtUnverified, prosodyTokenProblems, type ProsodyTokenSettings } from '../support/prosody-token-check.ts';
import { cancelTeleconsultation, LiveClient, makeTeleconsultation, openLink } from './live-helpers.ts';

const DOMAIN = 'meet.clinic.example';
const APP_ID = 'teleconsult';
const APP_SECRET = 'jitsi-app-secret-for-tests-0123456789abcdef';
const EVENTS_TOKEN = 'jitsi-events-token-for-tests-0123';
const JITSI_ENV = { JITSI_DOMAIN: DOMAIN, JITSI_APP_ID: APP_ID, JITSI_APP_SECRET: APP_SECRET, JITSI_EVENTS_TOKEN: EVENTS_TOKEN };

/** Prosody as meet/deploy/ configures it. */
const prosody: ProsodyTokenSettings = {
  appId: APP_ID, appSecret: APP_SECRET, acceptedIssuers: [APP_ID], acceptedAudiences: [APP_ID], allowEmptyToken: false,
  enableDomainVerification: true, mucDomainBase: DOMAIN, mucDomainPrefix: 'muc', noWildcard: true,
};

describe('Jitsi with the connector', () => {
  let clock = Date.now();
  const { t, hub } = useAppWithHub(() => ({
    env: { ...JITSI_ENV, LOG_LEVEL: 'silent' },
    now: () => new Date(clock),
  }));
  beforeEach(() => { clock = Date.now(); });

  async function tokenFor(teleconsultationId: string, role: string, cookie: string): Promise<{ status: number; body: unknown; cacheControl: string | null }> {
    const res = await fetch(`${t.url}/api/live/${teleconsultationId}/${role}/jitsi-token`, { headers: { cookie } });
    return { status: res.status, body: await res.json(), cacheControl: res.headers.get('cache-control') };
  }

  describe('the token endpoint', () => {
    it('mints tokens Prosody accepts: owner for the practitioner, plain member for the patient', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const startsAt = new Date(tc.appointment.startsAt);
      clock = startsAt.getTime() - 5 * 60_000;
      const practitionerCookie = (await openLink(t.url, tc.practitionerToken)).cookie;
      const patientCookie = (await openLink(t.url, tc.patientToken)).cookie;
      const p = await tokenFor(tc.id, 'practitioner', practitionerCookie);
      expect(p.status).toBe(200);
      expect(p.cacheControl).toBe('no-store');
      const pr = p.body as JitsiTokenResponse;
      expect(pr.domain).toBe(DOMAIN);
      expect(pr.room).toBe(tc.roomName);
      const join = { roomAddress: `${tc.roomName}@muc.${DOMAIN}/abcd`, now: startsAt };
      expect(prosodyTokenProblems(pr.token, prosody, join)).toEqual([]);
      const practitionerUser = (decodeJwtUnverified(pr.token)!.payload as { context: { user: Record<string, unknown> } }).context.user;
      expect(practitionerUser['affiliation']).toBe('owner');
      expect(practitionerUser['name']).toBe(tc.appointment.practitioner.name);

      const q = await tokenFor(tc.id, 'patient', patientCookie);
      expect(q.status).toBe(200);
      const token = (q.body as JitsiTokenResponse).token;
      expect(prosodyTokenProblems(token, prosody, join)).toEqual([]);
      const payload = decodeJwtUnverified(token)!.payload as { room: string; context: { user: Record<string, unknown> } };
      expect(payload.room).toBe(tc.roomName);
      expect(payload.context.user['affiliation']).toBe('member');
      expect(payload.context.user['moderator']).toBeFalse();
      expect(payload.context.user['lobby_bypass']).toBeUndefined();
      // No contact data of the patient in a token that Jitsi logs and shows.
      expect(JSON.stringify(payload)).not.toContain(tc.appointment.patient.email ?? 'none');
      expect(JSON.stringify(payload)).not.toContain(tc.appointment.patient.lastName);
      // Someone else's room: the token does not open it.
      const other = await makeTeleconsultation(t, hub);
      expect(prosodyTokenProblems(token, prosody, { ...join, roomAddress: `${other.roomName}@muc.${DOMAIN}` }).map((x) => x.code)).toContain('room_mismatch');
    });

    it('refuses outside the token window (403), without a session (401), and once cancelled (410)', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const cookie = (await openLink(t.url, tc.patientToken)).cookie;
      const startsAt = new Date(tc.appointment.startsAt).getTime();
      clock = startsAt - 2 * 3_600_000;
      const early = await tokenFor(tc.id, 'patient', cookie);
      expect(early.status).toBe(403);
      expect((early.body as { error: { code: string } }).error.code).toBe('JITSI_TOKEN_NOT_YET_VALID');
      clock = startsAt + 20 * 60_000 + 3 * 3_600_000;
      const late = await tokenFor(tc.id, 'patient', cookie);
      expect(late.status).toBe(403);
      expect((late.body as { error: { code: string } }).error.code).toBe('JITSI_TOKEN_WINDOW_CLOSED');
      clock = startsAt;
      expect((await tokenFor(tc.id, 'patient', 'tc_patient_x=y')).status).toBe(401);
      const other = await makeTeleconsultation(t, hub);
      expect((await tokenFor(other.id, 'patient', cookie)).status).toBe(401);
      await cancelTeleconsultation(t, hub, tc);
      const gone = await tokenFor(tc.id, 'patient', cookie);
      expect(gone.status).toBe(410);
    });

    it('tells the pages to use the jitsi driver with the room and library', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const cookie = (await openLink(t.url, tc.patientToken)).cookie;
      const res = await fetch(`${t.url}/api/live/${tc.id}/patient/session`, { headers: { cookie } });
      const body = await res.json() as { media: { driver: string; jitsi?: { domain: string; room: string; libraryUrl: string } } };
      expect(body.media.driver).toBe('jitsi');
      expect(body.media.jitsi).toEqual({ domain: DOMAIN, room: tc.roomName, libraryUrl: `https://${DOMAIN}/libs/lib-jitsi-meet.min.js` });
    });
  });

  describe('event_sync events', () => {
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    const room = (name: string) => ({ room_name: name, room_jid: `${name}@muc.${DOMAIN}`, is_breakout: false });

    async function post(path: string, body: unknown, token = EVENTS_TOKEN): Promise<{ status: number; body: { status?: string; outcome?: string; error?: { code: string } } }> {
      const res = await fetch(`${t.url}/webhooks/jitsi${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as never };
    }

    async function row(id: string) {
      const [r] = await t.app.services.database.db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, id));
      return r!;
    }

    async function receipts(): Promise<number> {
      const [r] = await t.app.services.database.db.select({ n: count() }).from(schema.webhookReceipts).where(eq(schema.webhookReceipts.source, 'jitsi'));
      return r!.n;
    }

    it('turns room created and destroyed into the actual start, end and duration, once each', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const practitionerCookie = (await openLink(t.url, tc.practitionerToken)).cookie;
      const panel = await LiveClient.connect(t.url, tc.id, 'practitioner', practitionerCookie);
      await panel.next('state');
      const created = new Date(tc.appointment.startsAt);
      const createdBody = { event_name: 'muc-room-created', ...room(tc.roomName), created_at: seconds(created) };
      const first = await post('/events/room/created', createdBody);
      expect(first).toEqual({ status: 200, body: { status: 'applied', outcome: 'started' } });
      expect((await row(tc.id)).startedAt?.toISOString()).toBe(new Date(seconds(created) * 1000).toISOString());
      // event_sync retries the same payload: nothing changes.
      const replay = await post('/events/room/created', createdBody);
      expect(replay).toEqual({ status: 200, body: { status: 'duplicate' } });
      // An occupant who joined later does not move the start.
      const occupant = { occupant_jid: `${tc.roomName}@muc.${DOMAIN}/ab12`, joined_at: seconds(created) + 30, id: 'prac', name: 'Dr' };
      expect((await post('/events/occupant/joined', { event_name: 'muc-occupant-joined', ...room(tc.roomName), active_occupants_count: 1, occupant })).body.outcome).toBe('recorded');
      expect((await row(tc.id)).startedAt?.toISOString()).toBe(new Date(seconds(created) * 1000).toISOString());

      const destroyedAt = seconds(created) + 17 * 60 + 5;
      const destroyed = { event_name: 'muc-room-destroyed', ...room(tc.roomName), created_at: seconds(created), destroyed_at: destroyedAt, all_occupants: [{ ...occupant, left_at: destroyedAt - 5 }] };
      expect((await post('/events/room/destroyed', destroyed)).body).toEqual({ status: 'applied', outcome: 'ended' });
      const ended = await row(tc.id);
      expect(ended.status).toBe('ended');
      expect(ended.endedAt?.toISOString()).toBe(new Date(destroyedAt * 1000).toISOString());
      const events = await t.app.services.database.db.select().from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, tc.id));
      const end = events.find((e) => e.type === 'teleconsultation.ended');
      expect(end?.data['durationSeconds']).toBe(17 * 60 + 5);
      expect(JSON.stringify(events.map((e) => e.data))).not.toContain('Dr');
      expect((await post('/events/room/destroyed', destroyed)).body.status).toBe('duplicate');
      expect((await panel.next('status', (m) => m.status === 'ended')).status).toBe('ended');
      await eventually(() => hub.writeBacks.get(tc.appointment.id)?.find((w) => w.status === 'ended'), 'the ended write-back');
      await panel.close();
    });

    it('takes the earliest sign of the call as its start, whatever the order', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const at = seconds(new Date(tc.appointment.startsAt));
      const occupant = { occupant_jid: `${tc.roomName}@muc.${DOMAIN}/x1`, joined_at: at + 10 };
      expect((await post('/events/occupant/joined', { event_name: 'muc-occupant-joined', ...room(tc.roomName), active_occupants_count: 1, occupant })).body.outcome).toBe('started');
      expect((await post('/events/room/created', { event_name: 'muc-room-created', ...room(tc.roomName), created_at: at })).body.outcome).toBe('started');
      expect((await row(tc.id)).startedAt?.getTime()).toBe(at * 1000);
    });

    it('refuses a forged token, and changes nothing', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const before = await receipts();
      const body = { event_name: 'muc-room-created', ...room(tc.roomName), created_at: seconds(new Date()) };
      const r = await post('/events/room/created', body, `${EVENTS_TOKEN}x`);
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('JITSI_EVENTS_TOKEN_INVALID');
      const none = await fetch(`${t.url}/webhooks/jitsi/events/room/created`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(none.status).toBe(401);
      expect((await row(tc.id)).startedAt).toBeNull();
      expect(await receipts()).toBe(before);
    });

    it('ignores unknown rooms and breakout rooms (202), and refuses bad bodies (400)', async () => {
      const tc = await makeTeleconsultation(t, hub);
      const before = await receipts();
      const unknown = await post('/events/room/created', { event_name: 'muc-room-created', ...room('abcdefghijklmnopqrstuvwxyz'), created_at: seconds(new Date()) });
      expect(unknown).toEqual({ status: 202, body: { status: 'ignored', outcome: 'unknown_room' } });
      const breakout = await post('/events/room/destroyed', {
        event_name: 'muc-room-destroyed', ...room(tc.roomName), is_breakout: true, breakout_room_id: 'b1',
        created_at: seconds(new Date()) - 60, destroyed_at: seconds(new Date()), all_occupants: {},
      });
      expect(breakout.status).toBe(202);
      expect(breakout.body.status).toBe('ignored');
      expect((await row(tc.id)).status).toBe('scheduled');
      expect((await post('/events/room/created', '{nope')).status).toBe(400);
      expect((await post('/events/room/created', { event_name: 'muc-room-created', ...room(tc.roomName) })).status).toBe(400);
      const mismatch = await post('/events/room/destroyed', { event_name: 'muc-room-created', ...room(tc.roomName), created_at: seconds(new Date()) });
      expect(mismatch.status).toBe(400);
      expect(mismatch.body.error?.code).toBe('JITSI_EVENT_PATH_MISMATCH');
      expect((await row(tc.id)).startedAt).toBeNull();
      expect(await receipts()).toBe(before);
    });
  });
});
