/**
 * Test support for sessions and the live hub: teleconsultations made through the agenda
 * webhook, links opened like a browser would, and a small WebSocket client that waits for
 * a given message type.
 */
import { and, eq } from 'drizzle-orm';
import WebSocket from 'ws';
import * as schema from '../../connector/db/schema/index.ts';
import type { ClientMessage, ServerMessage } from '#protocol/live';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import { linkToken } from '../../connector/teleconsultations/links.ts';
import type { Appointment } from '../../connector/agenda/appointment.ts';
import type { AgendaHub, AppointmentOverrides } from '../fakes/agenda-hub.ts';
import { TEST_LINK_SECRET, type TestApp } from '../support/harness.ts';

export interface MadeTeleconsultation {
  id: string;
  appointment: Appointment;
  roomName: string;
  practitionerToken: string;
  patientToken: string;
}

/**
 * A teleconsultation made as the agenda intake makes it (applyAppointment in a transaction,
 * with the app's listeners: write-back, messages); the appointment is stored in the fake hub.
 */
export async function makeTeleconsultation(t: TestApp, hub: AgendaHub, overrides: AppointmentOverrides = {}): Promise<MadeTeleconsultation> {
  const appointment = hub.upsert(hub.makeAppointment(overrides));
  const services = t.app.services;
  const db = services.database.db;
  const outcome = await db.transaction((tx) => applyAppointment(tx, services.apply, { appointment }, { kind: 'webhook', source: 'agenda' }));
  // 'stale': the app's start-up reconciliation, listing the hub, applied it first.
  if (outcome !== 'created' && outcome !== 'stale') throw new Error(`appointment not made into a teleconsultation: ${outcome}`);
  const [tc] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.appointmentId, appointment.id));
  if (!tc) throw new Error('no teleconsultation');
  const links = await db.select().from(schema.accessLinks).where(eq(schema.accessLinks.teleconsultationId, tc.id));
  const token = (role: string) => {
    const link = links.find((l) => l.role === role);
    if (!link) throw new Error(`no ${role} link`);
    return linkToken(TEST_LINK_SECRET, link.id);
  };
  return { id: tc.id, appointment, roomName: tc.roomName, practitionerToken: token('practitioner'), patientToken: token('patient') };
}

export interface OpenedLink {
  status: number;
  location: string | null;
  /** `name=value`, ready for a Cookie header. */
  cookie: string;
  setCookie: string;
  headers: Headers;
}

/** Opens `/j/{token}` like a browser (no redirect followed). */
export async function openLink(baseUrl: string, token: string, accept = 'text/html'): Promise<OpenedLink> {
  const res = await fetch(`${baseUrl}/j/${token}`, { redirect: 'manual', headers: { accept } });
  const setCookie = res.headers.get('set-cookie') ?? '';
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location'), cookie: setCookie.split(';')[0] ?? '', setCookie, headers: res.headers };
}

/** A live WebSocket client that records every message and close. */
export class LiveClient {
  readonly messages: ServerMessage[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];
  private taken = new Set<number>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  /** Connects to `/live/{teleconsultationId}/{role}` with a cookie (or none). */
  static async connect(baseUrl: string, teleconsultationId: string, role: string, cookie?: string): Promise<LiveClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/live/${teleconsultationId}/${role}`, cookie ? { headers: { cookie } } : {});
    const client = new LiveClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async waitFor<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}, close ${this.closeCode}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** The first message not taken yet of this type, optionally matching `where`. */
  async next<K extends ServerMessage['type']>(type: K, where: (m: Extract<ServerMessage, { type: K }>) => boolean = () => true, timeoutMs = 10_000): Promise<Extract<ServerMessage, { type: K }>> {
    return this.waitFor(() => {
      for (let i = 0; i < this.messages.length; i++) {
        const m = this.messages[i]!;
        if (!this.taken.has(i) && m.type === type && where(m as Extract<ServerMessage, { type: K }>)) {
          this.taken.add(i);
          return m as Extract<ServerMessage, { type: K }>;
        }
      }
      return undefined;
    }, type, timeoutMs);
  }

  /** Messages received so far of a type. */
  all<K extends ServerMessage['type']>(type: K): Extract<ServerMessage, { type: K }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<ServerMessage, { type: K }>[];
  }

  /** Resolves with the close code. */
  async closed(timeoutMs = 10_000): Promise<number> {
    return this.waitFor(() => this.closeCode, 'close', timeoutMs);
  }

  send(message: ClientMessage | Record<string, unknown> | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** A round trip: every message sent before it has been handled once the pong is here. */
  async sync(): Promise<void> {
    const pongs = this.all('pong').length;
    this.send({ type: 'ping' });
    await this.waitFor(() => (this.all('pong').length > pongs ? true : undefined), 'pong', 10_000);
  }

  async close(): Promise<void> {
    if (this.closeCode !== undefined) return;
    this.ws.close();
    await this.closed();
  }
}

/** Cancels a teleconsultation as the agenda intake would (a newer version, status cancelled). */
export async function cancelTeleconsultation(t: TestApp, hub: AgendaHub, made: MadeTeleconsultation): Promise<void> {
  const cancelled = hub.upsert({ ...(hub.get(made.appointment.id) ?? made.appointment), status: 'cancelled' }, { bump: true });
  const services = t.app.services;
  await services.database.db.transaction((tx) => applyAppointment(tx, services.apply, { appointment: cancelled }, { kind: 'webhook', source: 'agenda' }));
}

/** A teleconsultation with both participants' session cookies. */
export interface LivePair { tc: MadeTeleconsultation; practitionerCookie: string; patientCookie: string }

/**
 * Pairs of participants on the suite's app: `pair()` makes a teleconsultation and opens both
 * links, `connect()` opens a live socket and waits for its `state`, `admitted()` knocks and
 * admits. Every socket is closed after the suite.
 */
export function useLivePairs(t: TestApp, hub: AgendaHub): {
  pair(overrides?: AppointmentOverrides): Promise<LivePair>;
  connect(p: LivePair, role: 'practitioner' | 'patient'): Promise<LiveClient>;
  admitted(p: LivePair): Promise<{ practitioner: LiveClient; patient: LiveClient }>;
} {
  const clients: LiveClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  });
  const pair = async (overrides: AppointmentOverrides = {}): Promise<LivePair> => {
    const tc = await makeTeleconsultation(t, hub, overrides);
    return { tc, practitionerCookie: (await openLink(t.url, tc.practitionerToken)).cookie, patientCookie: (await openLink(t.url, tc.patientToken)).cookie };
  };
  const connect = async (p: LivePair, role: 'practitioner' | 'patient'): Promise<LiveClient> => {
    const c = await LiveClient.connect(t.url, p.tc.id, role, role === 'practitioner' ? p.practitionerCookie : p.patientCookie);
    clients.push(c);
    await c.next('state');
    return c;
  };
  const admitted = async (p: LivePair) => {
    const practitioner = await connect(p, 'practitioner');
    const patient = await connect(p, 'patient');
    patient.send({ type: 'knock' });
    await practitioner.next('presence', (m) => m.presence.patient === 'waiting');
    practitioner.send({ type: 'admit' });
    await patient.next('admitted');
    return { practitioner, patient };
  };
  return { pair, connect, admitted };
}

/** The channels the end-of-consultation message went out on (dev outbox), sorted. */
export async function endMessagesSent(t: TestApp, teleconsultationId: string): Promise<string[]> {
  const rows = await t.app.services.database.db.select({ channel: schema.outbox.channel }).from(schema.outbox)
    .innerJoin(schema.messages, eq(schema.messages.id, schema.outbox.messageId))
    .where(and(eq(schema.messages.teleconsultationId, teleconsultationId), eq(schema.messages.kind, 'ended')));
  return rows.map((r) => r.channel).sort();
}

/** How many times the agenda was told "ended" (a write-back whose status became ended). */
export function endedWriteBacks(hub: AgendaHub, appointmentId: string): number {
  const writes = hub.writeBacks.get(appointmentId) ?? [];
  return writes.filter((w, i) => w.status === 'ended' && writes[i - 1]?.status !== 'ended').length;
}
