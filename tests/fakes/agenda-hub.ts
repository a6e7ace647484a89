/**
 * A local fake of the agenda hub (`openapi/agenda.yaml`): the three API routes over an
 * in-memory store, Bearer token checked, every request recorded, failures on demand, and
 * webhooks signed per Standard Webhooks with the `standardwebhooks` package, as the hub does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DateTime } from 'luxon';
import { Webhook } from 'standardwebhooks';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { Appointment, AppointmentRef, AgendaEventType, TeleconsultationWriteBack } from '../../connector/agenda/appointment.ts';

/** Options of {@link startAgendaHub}; both are generated when absent. */
export interface AgendaHubOptions {
  token?: string;
  /** `whsec_<base64>`. */
  webhookSecret?: string;
}

/** One request the hub received, as it arrived. */
export interface RecordedRequest {
  method: string;
  /** The pathname as sent (still URL-encoded). */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, the raw text otherwise, undefined when empty. */
  body: unknown;
}

/** How the next requests fail (see {@link AgendaHub.failNext}). */
export interface FailureOptions {
  /** Status to answer; 500 unless `delayMs` alone is given (then the normal answer, late). */
  status?: number;
  /** Wait this long before answering: longer than a client's timeout, it hangs. */
  delayMs?: number;
  /** Raw body to answer instead of the hub's JSON error (e.g. malformed JSON with status 200). */
  body?: string;
  /**
   * Only requests to this path (as sent, still URL-encoded) fail; others pass by. Lets a
   * spec fail its own appointment's calls whatever else the app is still sending.
   */
  path?: string;
}

/** Overrides of {@link makeAppointment}; nested objects are merged one level deep. */
export type AppointmentOverrides = Partial<Omit<Appointment, 'reason' | 'practitioner' | 'patient'>> & {
  reason?: Partial<Appointment['reason']>;
  practitioner?: Partial<Appointment['practitioner']>;
  patient?: Partial<Appointment['patient']>;
};

/** Overrides for bad-input webhook tests. */
export interface DeliverOptions {
  /** `webhook-id`; a fresh `msg_...` when absent. */
  id?: string;
  /** `webhook-timestamp`, unix seconds; now when absent. */
  timestamp?: number;
  /** The exact body sent (and signed, unless `signature` is given). */
  body?: string;
  /** The exact `webhook-signature` header, e.g. a wrong one or several space-separated. */
  signature?: string;
  /** Sign with this secret instead of the hub's (key rotation tests). */
  secret?: string;
  /** `occurredAt` of the generated body; now when absent. */
  occurredAt?: string;
  /** Give up on the delivery after this long (as a hub's delivery timeout does); the fetch then throws. */
  timeoutMs?: number;
}

/** What the receiver answered to a webhook. */
export interface DeliveryResult {
  status: number;
  body: string;
  /** The receiver's `Retry-After` header, when it asked to be tried again later. */
  retryAfter: string | null;
}

/** The three Standard Webhooks headers. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A running fake hub. */
export interface AgendaHub {
  /** Base URL, to use as `AGENDA_API_URL`. */
  readonly url: string;
  /** The only Bearer token accepted. */
  readonly token: string;
  /** `whsec_...` the webhooks are signed with. */
  readonly webhookSecret: string;
  /** Every request received, in order (also refused and failed ones). */
  readonly requests: RecordedRequest[];
  /** Accepted `PUT /appointments/{id}/teleconsultation` bodies, by appointment id, in order. */
  readonly writeBacks: Map<string, TeleconsultationWriteBack[]>;
  /** Stores an appointment (a copy); with `bump`, the hub raises its version and updatedAt as on a real change. */
  upsert(appointment: Appointment, options?: { bump?: boolean }): Appointment;
  /** Stores any JSON under an id, served as is (malformed-response tests). */
  injectRaw(id: string, record: unknown): void;
  /** Forgets an appointment; true when it existed. */
  remove(id: string): boolean;
  /** The stored appointment (a copy), if any. */
  get(id: string): Appointment | undefined;
  /** A valid teleconsultation appointment with realistic French data (not stored). */
  makeAppointment(overrides?: AppointmentOverrides): Appointment;
  /** The next `count` requests fail as told (default: 500). */
  failNext(count: number, options?: FailureOptions): void;
  /** Drops every connection until `up()`. */
  down(): void;
  up(): void;
  /** Clears requests, write-backs and pending failures (not the store). */
  reset(): void;
  /** Signs and POSTs a webhook to `targetUrl`. */
  deliver(targetUrl: string, type: AgendaEventType | (string & {}), appointment: Appointment | AppointmentRef, options?: DeliverOptions): Promise<DeliveryResult>;
  /** The Standard Webhooks headers for a body, signed with the hub's secret unless another is given. */
  signedHeaders(id: string, timestamp: number, body: string, secret?: string): SignedHeaders;
  close(): Promise<void>;
}

// The hub's own check of the write-back, from the contract (appointment.ts has only the type).
const TeleconsultationWriteBackSchema = Type.Object({
  joinUrl: Type.String({ format: 'uri' }),
  patientUrl: Type.String({ format: 'uri' }),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('waiting'), Type.Literal('in_progress'), Type.Literal('ended'), Type.Literal('cancelled')]),
  payment: Type.Union([
    Type.Null(),
    Type.Object({
      status: Type.Union([Type.Literal('requested'), Type.Literal('paid'), Type.Literal('failed'), Type.Literal('refunded')]),
      amount: Type.Object({ value: Type.Integer({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }),
      url: Type.String({ format: 'uri' }),
    }),
  ]),
});

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const MAX_BODY_BYTES = 1024 * 1024;

const FIRST_NAMES = ['Camille', 'Louis', 'Léa', 'Hugo', 'Chloé', 'Gabriel', 'Manon', 'Jules'];
const LAST_NAMES = ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand'];
let made = 0;

/**
 * A valid teleconsultation appointment with realistic French data: Paris practitioner,
 * tomorrow at 10:30 Paris time (with its offset), mobile in ARCEP's range reserved for fiction.
 */
export function makeAppointment(overrides: AppointmentOverrides = {}): Appointment {
  const n = made++;
  const first = FIRST_NAMES[n % FIRST_NAMES.length] ?? 'Camille';
  const last = LAST_NAMES[(n * 3) % LAST_NAMES.length] ?? 'Martin';
  const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const startsAt = DateTime.now().setZone('Europe/Paris').plus({ days: 1 }).set({ hour: 10, minute: 30, second: 0, millisecond: 0 });
  const base: Appointment = {
    id: `apt_${randomUUID()}`,
    version: 1,
    clinicId: 'clinic_paris_11',
    status: 'booked',
    startsAt: startsAt.toISO({ suppressMilliseconds: true }) ?? '',
    durationMinutes: 20,
    reason: { id: 'reason_teleconsultation_suivi', label: 'Téléconsultation de suivi', teleconsultation: true },
    practitioner: {
      id: 'prac_dubois',
      name: 'Dr Claire Dubois',
      email: 'claire.dubois@cabinet.example.com',
      timezone: 'Europe/Paris',
      locale: 'fr-FR',
    },
    patient: {
      id: `pat_${randomUUID()}`,
      firstName: first,
      lastName: last,
      email: `${ascii(first)}.${ascii(last)}@example.com`,
      // A valid French mobile number (libphonenumber's metadata); it is only ever sent to local fakes.
      mobile: `+3360000${String(n % 10_000).padStart(4, '0')}`,
      locale: 'fr-FR',
    },
    bookedOnline: true,
    updatedAt: new Date().toISOString(),
  };
  const { reason, practitioner, patient, ...top } = overrides;
  return {
    ...base,
    ...top,
    reason: { ...base.reason, ...reason },
    practitioner: { ...base.practitioner, ...practitioner },
    patient: { ...base.patient, ...patient },
  };
}

interface Stored {
  id: string;
  updatedAtMs: number;
  record: unknown;
}

interface PendingFailure {
  status: number | undefined;
  delayMs: number | undefined;
  body: string | undefined;
  path: string | undefined;
}

/** Starts a fake hub on 127.0.0.1, on a free port. */
export async function startAgendaHub(options: AgendaHubOptions = {}): Promise<AgendaHub> {
  const token = options.token ?? `agenda_test_${randomBytes(16).toString('hex')}`;
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(32).toString('base64')}`;
  const store = new Map<string, Stored>();
  const requests: RecordedRequest[] = [];
  const writeBacks = new Map<string, TeleconsultationWriteBack[]>();
  const failures: PendingFailure[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let isDown = false;
  let lastUpdatedMs = 0;
  let sorted: Stored[] | undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'internal', 'The fake hub failed.');
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    if (isDown) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://agenda.invalid');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseMaybeJson(raw),
    };
    requests.push(recorded);

    const index = failures.findIndex((f) => f.path === undefined || f.path === recorded.path);
    const failure = index < 0 ? undefined : failures.splice(index, 1)[0];
    if (failure !== undefined) {
      if (failure.delayMs !== undefined) await sleep(failure.delayMs);
      if (res.destroyed) return;
      if (failure.status !== undefined || failure.delayMs === undefined) {
        const status = failure.status ?? 500;
        if (failure.body !== undefined) {
          res.writeHead(status, { 'Content-Type': 'application/json' }).end(failure.body);
        } else {
          if (status === 429) res.setHeader('Retry-After', '1');
          sendError(res, status, codeFor(status), 'Injected failure.');
        }
        return;
      }
    }

    if (req.headers.authorization !== `Bearer ${token}`) {
      sendError(res, 401, 'unauthorized', 'Missing or invalid token.');
      return;
    }
    route(recorded, res);
  }

  function route(request: RecordedRequest, res: ServerResponse): void {
    const segments = request.path.split('/').slice(1);
    let parts: string[];
    try {
      parts = segments.map((s) => decodeURIComponent(s));
    } catch {
      sendError(res, 400, 'bad_request', 'Malformed path.');
      return;
    }
    if (parts[0] !== 'appointments') return sendError(res, 404, 'not_found', 'No such route.');
    if (parts.length === 1 && request.method === 'GET') return listAppointments(request, res);
    const id = parts[1];
    if (parts.length === 2 && id !== undefined && id !== '' && request.method === 'GET') {
      const stored = store.get(id);
      if (stored === undefined) return sendError(res, 404, 'not_found', 'No such appointment.');
      return sendJson(res, 200, stored.record);
    }
    if (parts.length === 3 && id !== undefined && id !== '' && parts[2] === 'teleconsultation' && request.method === 'PUT') {
      if (!store.has(id)) return sendError(res, 404, 'not_found', 'No such appointment.');
      if (!Value.Check(TeleconsultationWriteBackSchema, request.body)) {
        return sendError(res, 400, 'invalid_body', 'The teleconsultation does not match the contract.');
      }
      const list = writeBacks.get(id) ?? [];
      list.push(request.body);
      writeBacks.set(id, list);
      res.writeHead(204).end();
      return;
    }
    sendError(res, 404, 'not_found', 'No such route.');
  }

  function listAppointments(request: RecordedRequest, res: ServerResponse): void {
    const { updatedSince, cursor, limit } = request.query;
    const sinceMs = updatedSince === undefined ? Number.NaN : Date.parse(updatedSince);
    if (Number.isNaN(sinceMs)) return sendError(res, 400, 'bad_request', 'updatedSince must be an ISO 8601 instant.');
    let size = DEFAULT_PAGE_SIZE;
    if (limit !== undefined) {
      if (!/^\d+$/.test(limit) || Number(limit) < 1) return sendError(res, 400, 'bad_request', 'limit must be a positive integer.');
      size = Math.min(Number(limit), MAX_PAGE_SIZE);
    }
    let after: [number, string] | undefined;
    if (cursor !== undefined) {
      after = decodeCursor(cursor);
      if (after === undefined) return sendError(res, 400, 'bad_request', 'Unknown cursor.');
    }
    const all = ordered();
    // The first stored key after both the cursor and updatedSince (keys are unique: ids are).
    const from = firstAfter(all, (s) => s.updatedAtMs >= sinceMs && (after === undefined || compareKey([s.updatedAtMs, s.id], after) > 0));
    const page = all.slice(from, from + size);
    const last = page.at(-1);
    const nextCursor = all.length > from + size && last !== undefined ? encodeCursor([last.updatedAtMs, last.id]) : null;
    sendJson(res, 200, { items: page.map((s) => s.record), nextCursor });
  }

  /** The store by (updatedAt, id), sorted again only after a change (paging 50,000 stays cheap). */
  function ordered(): Stored[] {
    sorted ??= [...store.values()].sort((a, b) => compareKey([a.updatedAtMs, a.id], [b.updatedAtMs, b.id]));
    return sorted;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const webhook = new Webhook(webhookSecret);

  function signedHeaders(id: string, timestamp: number, body: string, secret?: string): SignedHeaders {
    const signer = secret === undefined ? webhook : new Webhook(secret);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signer.sign(id, new Date(timestamp * 1000), body),
    };
  }

  const hub: AgendaHub = {
    url: `http://127.0.0.1:${port}`,
    token,
    webhookSecret,
    requests,
    writeBacks,
    upsert(appointment, opts = {}) {
      const copy = structuredClone(appointment);
      if (opts.bump === true) {
        const previous = store.get(copy.id)?.record as Partial<Appointment> | undefined;
        copy.version = Math.max(copy.version, typeof previous?.version === 'number' ? previous.version : 0) + 1;
        // Strictly later than anything stored before, so the change shows up in updatedSince pages.
        lastUpdatedMs = Math.max(Date.now(), lastUpdatedMs + 1);
        copy.updatedAt = new Date(lastUpdatedMs).toISOString();
      }
      const updatedAtMs = Date.parse(copy.updatedAt);
      lastUpdatedMs = Math.max(lastUpdatedMs, Number.isNaN(updatedAtMs) ? 0 : updatedAtMs);
      sorted = undefined;
      store.set(copy.id, { id: copy.id, updatedAtMs: Number.isNaN(updatedAtMs) ? Date.now() : updatedAtMs, record: copy });
      return structuredClone(copy);
    },
    injectRaw(id, record) {
      sorted = undefined;
      store.set(id, { id, updatedAtMs: Date.now(), record: structuredClone(record) });
    },
    remove(id) {
      sorted = undefined;
      return store.delete(id);
    },
    get(id) {
      const stored = store.get(id);
      return stored === undefined ? undefined : (structuredClone(stored.record) as Appointment);
    },
    makeAppointment,
    failNext(count, opts = {}) {
      for (let i = 0; i < count; i++) failures.push({ status: opts.status, delayMs: opts.delayMs, body: opts.body, path: opts.path });
    },
    down() {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    reset() {
      requests.length = 0;
      writeBacks.clear();
      failures.length = 0;
    },
    async deliver(targetUrl, type, appointment, opts = {}) {
      const id = opts.id ?? `msg_${randomUUID().replaceAll('-', '')}`;
      const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
      const body = opts.body ?? JSON.stringify({ type, occurredAt: opts.occurredAt ?? new Date().toISOString(), data: { appointment } });
      const headers = signedHeaders(id, timestamp, body, opts.secret);
      if (opts.signature !== undefined) headers['webhook-signature'] = opts.signature;
      const response = await fetch(targetUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'agenda-hub-fake', ...headers },
        body,
        ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
      });
      return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') };
    },
    signedHeaders,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return hub;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseMaybeJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

function codeFor(status: number): string {
  if (status === 400) return 'bad_request';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'internal' : 'error';
}

function encodeCursor(key: [number, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // Falls through to "unknown cursor".
  }
  return undefined;
}

/** The index of the first element of a sorted list for which a monotone test holds (its length if none). */
function firstAfter<T>(list: readonly T[], holds: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (holds(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function compareKey(a: [number, string], b: [number, string]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
