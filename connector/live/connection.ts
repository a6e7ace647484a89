/**
 * One participant's WebSocket: authenticated by the session cookie, then every message is
 * size-checked, rate-limited, validated against the protocol and allowed by the sender's
 * role and admission. The sender of everything relayed is the session's role.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';
import type { RawData, WebSocket } from 'ws';
import type { ErrorCode } from '#protocol/errors';
import type { LinkRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { checkRequestSession, checkSessionId, hashSessionId, isRole, isTeleconsultationId, sessionIdFromCookie } from '../sessions/sessions.ts';
import { callIsOpen, mediaSettings, teleconsultationSummary } from '../sessions/summary.ts';
import { sessionActor, type Actor, type Teleconsultation } from '../teleconsultations/model.ts';
import { recentChat, saveChatMessage } from './chat.ts';
import { loadDrawing, recordDrawOperation } from './drawing.ts';
import type { LiveBusEvent, LiveHub, LocalConnection } from './hub.ts';
import { admit, announceDelay, connectParticipant, deny, disconnectParticipant, knock, loadPresence, loadWaitingInfo, resume, type AdmissionResult, type PresenceTimings } from './presence.ts';
import { ClientMessageSchema, CLOSE_CODES, MAX_CLIENT_MESSAGE_BYTES, type ClientMessage, type Role, type ServerMessage, type WaitingInfo } from '#protocol/live';
import { TokenBucket, WaitingMessages, type TokenBucketOptions } from './rate-limit.ts';

/** What every connection of this instance shares. */
export interface LiveContext {
  services: Services;
  hub: LiveHub;
  timings: PresenceTimings;
  rate: TokenBucketOptions;
  /** Close-time clean-ups still running (awaited on shutdown). */
  pending: Set<Promise<void>>;
}

/** Messages a patient may only send or receive once admitted. */
const IN_CALL: ReadonlySet<string> = new Set(['signal', 'chat', 'pointer', 'draw', 'camera', 'camera-state', 'recording', 'document']);
/** Messages that arrive before the session is checked: at most this many, this large in all. */
const EARLY_MAX_MESSAGES = 16;
const EARLY_MAX_BYTES = 128 * 1024;

function other(role: Role): Role {
  return role === 'practitioner' ? 'patient' : 'practitioner';
}

function byteLength(data: RawData): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function text(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/** Serves one WebSocket of `GET /live/{teleconsultationId}/{role}`. */
export function serveLiveSocket(ctx: LiveContext, socket: WebSocket, request: FastifyRequest<{ Params: { teleconsultationId: string; role: string } }>): void {
  const { services, hub } = ctx;
  const { teleconsultationId, role: roleParam } = request.params;
  const log = request.log.child({ teleconsultationId, role: roleParam });
  const id = randomUUID();
  const bucket = new TokenBucket(ctx.rate);
  // Messages that arrive while the session is checked wait here, in order.
  const early = new WaitingMessages<RawData>(EARLY_MAX_MESSAGES, EARLY_MAX_BYTES);
  // Events from the bus wait until the page has its `state`.
  const outbox: ServerMessage[] = [];
  let phase = 'opening' as 'opening' | 'open' | 'closed';
  // A function, not a comparison, since the phase changes across awaits.
  const isClosed = () => phase === 'closed';
  let role: LinkRole = 'patient';
  let admitted = false;
  let sessionId: string | undefined;
  /** The teleconsultation as the session check loaded it (its practitioner and clinic do not change). */
  let session: Teleconsultation | undefined;
  /** Who this socket's actions are recorded as: its checked session. */
  const actor = (): Actor => sessionActor(role, hashSessionId(sessionId ?? ''));
  let work: Promise<void> = Promise.resolve();
  let attached = false;

  const send = (m: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
  };
  const close = (code: number, reason: string) => {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
  };
  const refuse = (code: ErrorCode, message: string) => send({ type: 'error', code, message });

  const connection: LocalConnection = {
    id,
    teleconsultationId,
    get role() { return role; },
    get sessionHash() { return sessionId === undefined ? undefined : hashSessionId(sessionId); },
    close,
    onBusEvent(event: LiveBusEvent) {
      if (event.kind === 'takeover') {
        if (event.role === role && event.connectionId !== id) close(CLOSE_CODES.replaced, 'replaced by a newer connection');
        return;
      }
      if (event.kind === 'recheck') {
        void recheck();
        return;
      }
      if (!event.to.includes(role) || event.skip === id) return;
      const m = event.message;
      let letIn = false;
      if (role === 'patient') {
        if (m.type === 'admitted') { letIn = !admitted; admitted = true; }
        if (m.type === 'denied') admitted = false;
        // Media, chat, pointer, drawing and camera reach a patient only inside the call.
        if (IN_CALL.has(m.type) && !admitted) return;
      }
      if (phase === 'opening') outbox.push(m);
      else send(m);
      // Just let in: the conversation and the drawing so far, which a waiting patient was not shown.
      if (letIn && phase === 'open') work = work.then(sendCallHistory);
    },
  };

  async function recheck(): Promise<void> {
    if (phase === 'closed') return;
    const check = await checkSessionId(services.database.db, sessionId, teleconsultationId, role, services.now());
    if (!check.ok) close(check.reason === 'cancelled' ? CLOSE_CODES.gone : CLOSE_CODES.unauthorized, check.reason === 'cancelled' ? 'TELECONSULTATION_CANCELLED' : 'SESSION_REQUIRED');
  }

  /** What a page that enters the call has missed: the recent messages, then the drawing. */
  async function sendCallHistory(): Promise<void> {
    for (const c of await recentChat(services.database.db, teleconsultationId)) send(c);
    const drawing = await loadDrawing(services.database.db, teleconsultationId);
    if (drawing.surface !== 'off' || drawing.operations.length > 0) send({ type: 'drawing', ...drawing });
  }

  async function publishWaiting(waiting: WaitingInfo): Promise<void> {
    await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'waiting', waiting } });
  }

  async function publishPresenceAndStatus(r: Pick<AdmissionResult, 'presence' | 'status'>): Promise<void> {
    await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'presence', presence: r.presence } });
    if (r.status) await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'status', status: r.status } });
  }

  async function handle(data: RawData): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text(data));
    } catch {
      return refuse('MESSAGE_INVALID', 'Messages are JSON objects.');
    }
    if (!Value.Check(ClientMessageSchema, parsed)) return refuse('MESSAGE_INVALID', 'This message does not match the live protocol.');
    const m = parsed as ClientMessage;
    if (role === 'patient' && IN_CALL.has(m.type) && !admitted) return refuse('NOT_ADMITTED', 'Wait until the practitioner lets you in.');
    switch (m.type) {
      case 'ping':
        return send({ type: 'pong' });
      case 'knock': {
        if (role !== 'patient') return refuse('NOT_ALLOWED', 'Only the patient knocks.');
        if (!callIsOpen(services.config, session!, services.now())) return refuse('CALL_CLOSED', 'The appointment is over: this link now opens the consultation space.');
        const r = await knock(services, teleconsultationId, ctx.timings, actor());
        if (r.state === 'admitted') {
          admitted = true;
          send({ type: 'admitted' });
        }
        if (r.changed) {
          log.info({ status: r.status }, 'patient waiting');
          await publishPresenceAndStatus(r);
        }
        return;
      }
      case 'admit':
      case 'deny': {
        if (role !== 'practitioner') return refuse('NOT_ALLOWED', 'Only the practitioner lets the patient in.');
        let r: AdmissionResult;
        try {
          r = m.type === 'admit' ? await admit(services, teleconsultationId, ctx.timings, actor()) : await deny(services, teleconsultationId, ctx.timings, actor(), m.message);
        } catch (err) {
          if (err instanceof AppError && err.code === 'PATIENT_NOT_WAITING') return refuse(err.code, err.message);
          throw err;
        }
        // Recorded above (committed); only now is the patient told. The message is the patient's to read, never logged.
        const message = m.type === 'deny' ? m.message?.trim() : undefined;
        await hub.publish(teleconsultationId, { kind: 'deliver', to: ['patient'], message: m.type === 'admit' ? { type: 'admitted' } : { type: 'denied', ...(message ? { message } : {}) } });
        if (r.changed) {
          log.info({ decision: m.type, status: r.status, withMessage: !!message }, 'waiting room decision');
          await publishPresenceAndStatus(r);
          // Admitted: the announced delay is over; denied: the refusal's message is part of the waiting room.
          if (session) await publishWaiting(await loadWaitingInfo(services, session, ctx.timings.staleAfterMs));
        }
        return;
      }
      case 'delay': {
        if (role !== 'practitioner' || !session) return refuse('NOT_ALLOWED', 'Only the practitioner announces a delay.');
        const waiting = await announceDelay(services, session, m.minutes, actor(), ctx.timings.staleAfterMs);
        log.info({ minutes: m.minutes }, 'practitioner delay announced');
        return publishWaiting(waiting);
      }
      case 'end': {
        // Either red phone ends it for both; a patient only from inside the call.
        if (role === 'patient' && !admitted) return refuse('NOT_ADMITTED', 'Wait until the practitioner lets you in.');
        if (await services.lifecycle.end(teleconsultationId, actor())) {
          log.info({ by: role }, 'teleconsultation ended');
          await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'status', status: 'ended', endedBy: role } });
        }
        return;
      }
      case 'return': {
        if (role !== 'patient') return refuse('NOT_ALLOWED', 'Only the patient comes back into the consultation.');
        const r = await resume(services, teleconsultationId, ctx.timings, actor());
        if (!r.ok) return refuse('CANNOT_RETURN', 'The practitioner has left: the consultation cannot be resumed.');
        log.info('patient came back into the consultation');
        admitted = true;
        await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'status', status: 'in_progress', endedBy: null } });
        await hub.publish(teleconsultationId, { kind: 'deliver', to: ['patient'], message: { type: 'admitted' } });
        await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'presence', presence: r.presence } });
        return;
      }
      case 'camera':
        if (role !== 'practitioner') return refuse('NOT_ALLOWED', "Only the practitioner controls the patient's camera.");
        return hub.publish(teleconsultationId, { kind: 'deliver', to: ['patient'], message: { ...m, from: role } });
      case 'recording':
        if (role !== 'practitioner') return refuse('NOT_ALLOWED', 'Only the practitioner records.');
        return hub.publish(teleconsultationId, { kind: 'deliver', to: ['patient'], message: { ...m, from: role } });
      case 'camera-state':
        if (role !== 'patient') return refuse('NOT_ALLOWED', "Only the patient's device reports its camera.");
        return hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner'], message: { ...m, from: role } });
      case 'signal':
        return hub.publish(teleconsultationId, { kind: 'deliver', to: [other(role)], message: { ...m, from: role } });
      case 'pointer':
        // "Partager le pointeur" is the practitioner's.
        if (role !== 'practitioner') return refuse('NOT_ALLOWED', 'Only the practitioner shares a pointer.');
        return hub.publish(teleconsultationId, { kind: 'deliver', to: ['patient'], message: { ...m, from: role } });
      case 'draw':
        // Kept first, so that what the other side sees is what a reload will show.
        await recordDrawOperation(services.database.db, { teleconsultationId, sender: role, op: m.op, now: services.now() });
        return hub.publish(teleconsultationId, { kind: 'deliver', to: [other(role)], message: { type: 'draw', from: role, op: m.op } });
      case 'chat': {
        const saved = await saveChatMessage(services.database.db, {
          teleconsultationId, sender: role, text: m.text, at: services.now(), ...(m.clientId !== undefined ? { clientId: m.clientId } : {}),
        });
        return hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: saved });
      }
    }
  }

  function receive(data: RawData): void {
    if (phase === 'closed') return;
    if (byteLength(data) > MAX_CLIENT_MESSAGE_BYTES) {
      log.warn({ bytes: byteLength(data) }, 'live message too large: closing');
      return close(CLOSE_CODES.policy, 'message too large');
    }
    if (!bucket.take()) {
      log.warn('live messages flooding: closing');
      return close(CLOSE_CODES.policy, 'too many messages');
    }
    work = work.then(() => handle(data)).catch((err: unknown) => {
      // A refusal of the domain (a full drawing, an ended consultation) is the client's to read.
      if (err instanceof AppError) return refuse(err.code, err.message);
      log.error({ err }, 'live message failed');
      refuse('INTERNAL', 'Internal error.');
    });
  }

  socket.on('message', (data: RawData) => {
    if (phase !== 'opening') return receive(data);
    if (!early.push(data, byteLength(data))) {
      log.warn(early.size, 'live messages before the session check exceed their bound: closing');
      phase = 'closed';
      return close(CLOSE_CODES.policy, 'too many messages');
    }
  });

  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      const wasOpen = phase === 'open';
      phase = 'closed';
      const cleanup = (async () => {
        if (attached) await hub.detach(connection);
        if (!wasOpen) return;
        // After the messages in flight, so that a last `knock` cannot undo the departure.
        await work;
        if (await disconnectParticipant(services, { teleconsultationId, role, connectionId: id })) {
          const presence = await loadPresence(services, teleconsultationId, ctx.timings.staleAfterMs);
          await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'presence', presence } });
        }
        log.info('live connection closed');
      })().catch((err: unknown) => log.error({ err }, 'live connection clean-up failed'));
      ctx.pending.add(cleanup);
      void cleanup.finally(() => { ctx.pending.delete(cleanup); resolve(); });
    });
  });
  void closed;

  void (async () => {
    if (!isTeleconsultationId(teleconsultationId) || !isRole(roleParam)) return close(CLOSE_CODES.unauthorized, 'SESSION_REQUIRED');
    role = roleParam;
    sessionId = sessionIdFromCookie(request, teleconsultationId, role);
    const check = await checkRequestSession(request, teleconsultationId, role);
    if (!check.ok) {
      log.info({ reason: check.reason }, 'live connection refused');
      return close(check.reason === 'cancelled' ? CLOSE_CODES.gone : CLOSE_CODES.unauthorized, check.reason === 'cancelled' ? 'TELECONSULTATION_CANCELLED' : 'SESSION_REQUIRED');
    }
    if (isClosed()) return;
    const t = check.session.teleconsultation;
    session = t;
    // Listen first, so that nothing published from now on is missed.
    attached = true;
    await hub.attach(connection);
    const joined = await connectParticipant(services, { teleconsultation: t, role, connectionId: id, by: actor() }, ctx.timings);
    if (isClosed()) {
      await disconnectParticipant(services, { teleconsultationId, role, connectionId: id });
      return;
    }
    admitted = joined.admitted;
    await hub.publish(teleconsultationId, { kind: 'takeover', role, connectionId: id });
    const waiting = await loadWaitingInfo(services, t, ctx.timings.staleAfterMs);
    send({ type: 'state', you: { role }, teleconsultation: teleconsultationSummary(services.config, t), presence: joined.presence, waiting, media: mediaSettings(services.config, t) });
    // The conversation belongs to the call: a patient who was not let in sees none of it.
    if (role === 'practitioner' || admitted) await sendCallHistory();
    if (admitted) send({ type: 'admitted' });
    phase = 'open';
    for (const m of outbox.splice(0)) send(m);
    await hub.publish(teleconsultationId, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'presence', presence: joined.presence }, skip: id });
    log.info('live connection opened');
    for (const data of early.drain()) receive(data);
  })().catch((err: unknown) => {
    log.error({ err }, 'live connection failed to open');
    close(1011, 'internal error');
  });
}
