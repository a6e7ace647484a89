/**
 * Our client of the agenda hub's API (`openapi/agenda.yaml`): read appointments, page through
 * recent changes, and write the teleconsultation back onto the appointment. Every response is
 * checked on arrival against the schemas of `appointment.ts`; every failure is an
 * `AgendaApiError` with a code, a retryable flag, and no token or patient data in its message.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { TSchema, Static } from 'typebox';
import { Value } from 'typebox/value';
import type { components, operations } from './agenda-api.generated.ts';
import {
  AppointmentPageSchema,
  AppointmentSchema,
  type Appointment,
  type AppointmentPage,
  type TeleconsultationWriteBack,
} from './appointment.ts';

/** What can go wrong talking to the hub, in our words. */
export type AgendaErrorCode = 'AGENDA_UNAVAILABLE' | 'AGENDA_REJECTED' | 'AGENDA_BAD_RESPONSE';

/** Options of {@link createAgendaClient}; `AgendaConfig.apiUrl`/`apiToken` and `Config.agendaTimeoutMs`. */
export interface AgendaClientOptions {
  /** The hub's base URL (`AGENDA_API_URL`), with or without a trailing slash. */
  apiUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged nor put in errors. */
  apiToken: string;
  /** Deadline of one HTTP call, in milliseconds. */
  timeoutMs: number;
}

/** Query of one page of `GET /appointments`. */
export interface ListAppointmentsQuery {
  /** ISO 8601 instant: appointments updated at or after it. */
  updatedSince: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Largest page size (≥ 1); the hub's default when absent. */
  limit?: number;
}

/** The agenda hub's API, as the rest of the connector sees it. */
export interface AgendaClient {
  /** One appointment, or null when the hub does not know it (404). */
  getAppointment(id: string): Promise<Appointment | null>;
  /** One page of appointments updated since an instant, ordered by updatedAt then id. */
  listAppointments(query: ListAppointmentsQuery): Promise<AppointmentPage>;
  /** Writes the teleconsultation's links, status and payment onto the appointment (idempotent). */
  putTeleconsultation(appointmentId: string, body: TeleconsultationWriteBack): Promise<void>;
  /** Every appointment updated since an instant, following `nextCursor` page after page. */
  listAllUpdatedSince(updatedSince: string, pageSize?: number): AsyncGenerator<Appointment, void, undefined>;
  /** The same, a page at a time (each page as the hub sent it, in its order). */
  pagesUpdatedSince(updatedSince: string, pageSize?: number): AsyncGenerator<Appointment[], void, undefined>;
}

/** The one error type of the agenda client. */
export class AgendaApiError extends Error {
  override readonly name = 'AgendaApiError';
  /** HTTP status when the hub answered. */
  readonly status: number | undefined;
  /** True when the same call may succeed later (network, timeout, 429, 5xx). */
  readonly retryable: boolean;
  /** The hub's own error code (`{error:{code}}`), when it sent a well-formed one. */
  readonly hubCode: string | undefined;
  /** What the hub asked us to wait (`Retry-After`), in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;
  /** For AGENDA_BAD_RESPONSE: where the response broke the schema (paths and rules, no values). */
  readonly problems: readonly string[];

  /** What went wrong, in our words. */
  readonly code: AgendaErrorCode;

  constructor(
    code: AgendaErrorCode,
    message: string,
    details: { status?: number; hubCode?: string; retryAfterMs?: number; problems?: string[]; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.retryable = code === 'AGENDA_UNAVAILABLE';
    this.hubCode = details.hubCode;
    this.retryAfterMs = details.retryAfterMs;
    this.problems = details.problems ?? [];
  }
}

// Compile-time proof that the OpenAPI contract and the typebox schemas describe the same shapes:
// a drift in either file fails `tsc`.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractMatches: [
  Same<components['schemas']['Appointment'], Appointment>,
  Same<components['schemas']['AppointmentPage'], AppointmentPage>,
  Same<components['schemas']['TeleconsultationWriteBack'], TeleconsultationWriteBack>,
] = [true, true, true];
void contractMatches;

type GetAppointmentOk = operations['getAppointment']['responses'][200]['content']['application/json'];
type ListAppointmentsOk = operations['listAppointments']['responses'][200]['content']['application/json'];
type ListAppointmentsParams = NonNullable<operations['listAppointments']['parameters']['query']>;
type PutTeleconsultationBody = operations['putTeleconsultation']['requestBody']['content']['application/json'];
type HubError = components['schemas']['Error'];

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const MAX_PROBLEMS = 10;
const HUB_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Builds the agenda client from the agenda settings.
 * @example createAgendaClient({ apiUrl: config.agenda.apiUrl, apiToken: config.agenda.apiToken, timeoutMs: config.agendaTimeoutMs })
 */
export function createAgendaClient(options: AgendaClientOptions): AgendaClient {
  const http = axios.create({
    baseURL: options.apiUrl.replace(/\/+$/, ''),
    timeout: options.timeoutMs,
    headers: { Authorization: `Bearer ${options.apiToken}`, Accept: 'application/json' },
    // Statuses are judged below, bodies are parsed below: axios only moves bytes.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    // A redirect is not part of the contract, and must not carry the token elsewhere.
    maxRedirects: 0,
    maxContentLength: MAX_RESPONSE_BYTES,
  });

  async function getAppointment(id: string): Promise<Appointment | null> {
    const response = await send(http, 'getAppointment', options.timeoutMs, {
      method: 'GET',
      url: `/appointments/${encodeURIComponent(id)}`,
    });
    if (response.status === 404) return null;
    expectStatus('getAppointment', response, 200);
    const appointment: GetAppointmentOk = parseBody('getAppointment', response, AppointmentSchema);
    return appointment;
  }

  async function listAppointments(query: ListAppointmentsQuery): Promise<AppointmentPage> {
    const params: ListAppointmentsParams = { updatedSince: query.updatedSince };
    if (query.cursor !== undefined) params.cursor = query.cursor;
    if (query.limit !== undefined) params.limit = query.limit;
    const response = await send(http, 'listAppointments', options.timeoutMs, { method: 'GET', url: '/appointments', params });
    expectStatus('listAppointments', response, 200);
    const page: ListAppointmentsOk = parseBody('listAppointments', response, AppointmentPageSchema);
    return page;
  }

  async function putTeleconsultation(appointmentId: string, body: TeleconsultationWriteBack): Promise<void> {
    const data: PutTeleconsultationBody = body;
    const response = await send(http, 'putTeleconsultation', options.timeoutMs, {
      method: 'PUT',
      url: `/appointments/${encodeURIComponent(appointmentId)}/teleconsultation`,
      data,
      headers: { 'Content-Type': 'application/json' },
    });
    // The contract says 204; any other 2xx is still a write the hub accepted.
    if (response.status >= 200 && response.status < 300) return;
    expectStatus('putTeleconsultation', response, 204);
  }

  async function* listAllUpdatedSince(updatedSince: string, pageSize?: number): AsyncGenerator<Appointment, void, undefined> {
    for await (const items of pagesUpdatedSince(updatedSince, pageSize)) yield* items;
  }

  async function* pagesUpdatedSince(updatedSince: string, pageSize?: number): AsyncGenerator<Appointment[], void, undefined> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const query: ListAppointmentsQuery = { updatedSince };
      if (cursor !== undefined) query.cursor = cursor;
      if (pageSize !== undefined) query.limit = pageSize;
      const page = await listAppointments(query);
      yield page.items;
      if (page.nextCursor === null) return;
      // A hub handing back a cursor it already gave would loop forever.
      if (seen.has(page.nextCursor)) {
        throw new AgendaApiError('AGENDA_BAD_RESPONSE', 'listAppointments: the agenda repeated a page cursor');
      }
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  return { getAppointment, listAppointments, putTeleconsultation, listAllUpdatedSince, pagesUpdatedSince };
}

interface Call {
  method: 'GET' | 'PUT';
  url: string;
  params?: ListAppointmentsParams;
  data?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP exchange; a failure to get any answer becomes AGENDA_UNAVAILABLE. */
async function send(http: AxiosInstance, operation: string, timeoutMs: number, call: Call): Promise<AxiosResponse<unknown>> {
  try {
    // `timeout` is an idle timeout on the socket; the signal bounds the whole call.
    return await http.request<unknown>({ ...call, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new AgendaApiError('AGENDA_UNAVAILABLE', `${operation}: the agenda could not be reached (${transportReason(error)})`, {
      cause: transportCause(error),
    });
  }
}

/** Turns a status other than the expected one into the matching error. */
function expectStatus(operation: string, response: AxiosResponse<unknown>, expected: number): void {
  const status = response.status;
  if (status === expected) return;
  const hubCode = readHubCode(response.data);
  const suffix = hubCode === undefined ? '' : ` (${hubCode})`;
  const details = { status, ...(hubCode === undefined ? {} : { hubCode }) };
  if (status === 429 || status >= 500) {
    const retryAfterMs = readRetryAfter(response.headers['retry-after']);
    throw new AgendaApiError('AGENDA_UNAVAILABLE', `${operation}: the agenda answered ${status}${suffix}`, {
      ...details,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 400) throw new AgendaApiError('AGENDA_REJECTED', `${operation}: the agenda refused the request with ${status}${suffix}`, details);
  throw new AgendaApiError('AGENDA_BAD_RESPONSE', `${operation}: the agenda answered an unexpected ${status}`, details);
}

/** Parses a JSON body and checks it against its schema. */
function parseBody<S extends TSchema>(operation: string, response: AxiosResponse<unknown>, schema: S): Static<S> {
  let value: unknown;
  try {
    value = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
  } catch {
    // The parser's message quotes the body, which may hold patient data: it is not kept.
    throw new AgendaApiError('AGENDA_BAD_RESPONSE', `${operation}: the agenda's response is not JSON`, { status: response.status });
  }
  if (Value.Check(schema, value)) return value;
  const problems: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    problems.push(`${error.instancePath || '/'} ${error.message}`);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  throw new AgendaApiError('AGENDA_BAD_RESPONSE', `${operation}: the agenda's response does not match the contract: ${problems.join('; ')}`, {
    status: response.status,
    problems,
    cause: new Error(problems.join('\n')),
  });
}

/** The hub's `error.code`, only when it looks like a code (its message may echo our input). */
function readHubCode(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const parsed = JSON.parse(data) as Partial<HubError> | null;
    const code = parsed?.error?.code;
    return typeof code === 'string' && HUB_CODE.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
function readRetryAfter(header: unknown): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A short, safe reason: the transport error's code, or its kind. */
function transportReason(error: unknown): string {
  if (axios.isCancel(error)) return 'timeout';
  if (axios.isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return 'timeout';
    return error.code ?? 'network error';
  }
  return 'unexpected error';
}

/**
 * The cause worth keeping, without axios' request config (which holds the Authorization
 * header): the underlying system error when there is one, else a plain copy of the message.
 */
function transportCause(error: unknown): Error {
  if (axios.isAxiosError(error)) {
    const inner: unknown = error.cause;
    if (inner instanceof Error && !axios.isAxiosError(inner)) return inner;
    const copy = new Error(error.message);
    copy.name = error.name;
    if (error.code !== undefined) Object.assign(copy, { code: error.code });
    return copy;
  }
  if (error instanceof Error) return error;
  return new Error(String(error));
}
