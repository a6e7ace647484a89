import { inspect } from 'node:util';
import { startAgendaHub, type AgendaHub } from '../../tests/fakes/agenda-hub.ts';
import type { TeleconsultationWriteBack } from './appointment.ts';
import { AgendaApiError, createAgendaClient, type AgendaClient } from './client.ts';

/** Runs `call` and returns the AgendaApiError it must throw. */
async function failureOf(call: () => Promise<unknown>): Promise<AgendaApiError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof AgendaApiError) return error;
    throw new Error(`expected an AgendaApiError, got ${String(error)}`);
  }
  throw new Error('expected the call to fail');
}

const SINCE = '2000-01-01T00:00:00Z';

describe('agenda client', () => {
  let hub: AgendaHub;
  let client: AgendaClient;

  beforeEach(async () => {
    hub = await startAgendaHub();
    client = createAgendaClient({ apiUrl: hub.url, apiToken: hub.token, timeoutMs: 2_000 });
  });
  afterEach(async () => {
    await hub.close();
  });

  describe('getAppointment', () => {
    it('returns the appointment the hub holds, asking with the Bearer token', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      const got = await client.getAppointment(stored.id);
      expect(got).toEqual(stored);
      expect(hub.requests.length).toBe(1);
      expect(hub.requests[0]?.method).toBe('GET');
      expect(hub.requests[0]?.path).toBe(`/appointments/${stored.id}`);
      expect(hub.requests[0]?.headers.authorization).toBe(`Bearer ${hub.token}`);
    });

    it('URL-encodes the id in the path', async () => {
      const stored = hub.upsert(hub.makeAppointment({ id: 'rdv/42 é?x=1' }));
      const got = await client.getAppointment(stored.id);
      expect(got?.id).toBe('rdv/42 é?x=1');
      expect(hub.requests[0]?.path).toBe('/appointments/rdv%2F42%20%C3%A9%3Fx%3D1');
      expect(hub.requests[0]?.query).toEqual({});
    });

    it('returns null when the hub does not know the appointment (404)', async () => {
      expect(await client.getAppointment('apt_unknown')).toBeNull();
      expect(hub.requests[0]?.path).toBe('/appointments/apt_unknown');
    });

    it('keeps working with a base URL that ends with a slash', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      const slashed = createAgendaClient({ apiUrl: `${hub.url}/`, apiToken: hub.token, timeoutMs: 2_000 });
      expect((await slashed.getAppointment(stored.id))?.id).toBe(stored.id);
      expect(hub.requests[0]?.path).toBe(`/appointments/${stored.id}`);
    });
  });

  describe('listAppointments', () => {
    it('sends updatedSince, cursor and limit, and returns the page', async () => {
      const a = hub.upsert(hub.makeAppointment(), { bump: true });
      const b = hub.upsert(hub.makeAppointment(), { bump: true });
      const first = await client.listAppointments({ updatedSince: SINCE, limit: 1 });
      expect(first.items).toEqual([a]);
      expect(first.nextCursor).toEqual(jasmine.any(String));
      const second = await client.listAppointments({ updatedSince: SINCE, limit: 1, cursor: first.nextCursor ?? '' });
      expect(second).toEqual({ items: [b], nextCursor: null });
      expect(hub.requests.map((r) => r.query)).toEqual([
        { updatedSince: SINCE, limit: '1' },
        { updatedSince: SINCE, limit: '1', cursor: first.nextCursor ?? '' },
      ]);
    });

    it('follows nextCursor across three pages with listAllUpdatedSince', async () => {
      const stored = Array.from({ length: 7 }, () => hub.upsert(hub.makeAppointment(), { bump: true }));
      const seen = [];
      for await (const appointment of client.listAllUpdatedSince(SINCE, 3)) seen.push(appointment);
      expect(seen).toEqual(stored);
      expect(hub.requests.length).toBe(3);
      expect(hub.requests.map((r) => r.query.limit)).toEqual(['3', '3', '3']);
      expect(hub.requests[0]?.query.cursor).toBeUndefined();
      expect(hub.requests[1]?.query.cursor).toEqual(jasmine.any(String));
      expect(hub.requests[2]?.query.cursor).not.toBe(hub.requests[1]?.query.cursor);
    });

    it('stops with AGENDA_BAD_RESPONSE when the hub hands back a cursor it already gave', async () => {
      const page = JSON.stringify({ items: [], nextCursor: 'same' });
      hub.failNext(2, { status: 200, body: page });
      const error = await failureOf(async () => {
        for await (const _ of client.listAllUpdatedSince(SINCE, 10)) void _;
      });
      expect(error.code).toBe('AGENDA_BAD_RESPONSE');
      expect(hub.requests.length).toBe(2);
    });
  });

  describe('putTeleconsultation', () => {
    it('sends the write-back as JSON, and the hub receives exactly it', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      const body: TeleconsultationWriteBack = {
        joinUrl: 'https://teleconsult.example.com/p/abc',
        patientUrl: 'https://teleconsult.example.com/w/xyz',
        status: 'scheduled',
        payment: { status: 'requested', amount: { value: 2500, currency: 'EUR' }, url: 'https://pay.example.com/i/1' },
      };
      await expectAsync(client.putTeleconsultation(stored.id, body)).toBeResolvedTo(undefined);
      const request = hub.requests[0];
      expect(request?.method).toBe('PUT');
      expect(request?.path).toBe(`/appointments/${stored.id}/teleconsultation`);
      expect(request?.headers['content-type']).toContain('application/json');
      expect(request?.headers.authorization).toBe(`Bearer ${hub.token}`);
      expect(request?.body).toEqual(body);
      expect(hub.writeBacks.get(stored.id)).toEqual([body]);
    });

    it('maps a refused body (400) to AGENDA_REJECTED, not retryable', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      const bad = { joinUrl: 'not a url', patientUrl: 'https://x.example.com', status: 'scheduled', payment: null } as TeleconsultationWriteBack;
      const error = await failureOf(() => client.putTeleconsultation(stored.id, bad));
      expect(error.code).toBe('AGENDA_REJECTED');
      expect(error.status).toBe(400);
      expect(error.retryable).toBeFalse();
      expect(error.hubCode).toBe('invalid_body');
      expect(hub.writeBacks.size).toBe(0);
    });

    it('maps an unknown appointment (404) to AGENDA_REJECTED', async () => {
      const error = await failureOf(() => client.putTeleconsultation('apt_unknown', { joinUrl: 'https://a.example.com', patientUrl: 'https://b.example.com', status: 'ended', payment: null }));
      expect(error.code).toBe('AGENDA_REJECTED');
      expect(error.status).toBe(404);
    });
  });

  describe('errors', () => {
    it('maps a wrong token (401) to AGENDA_REJECTED, not retryable, without the token in the message', async () => {
      const wrong = createAgendaClient({ apiUrl: hub.url, apiToken: 'secret-token-123', timeoutMs: 2_000 });
      const error = await failureOf(() => wrong.getAppointment('apt_1'));
      expect(error).toBeInstanceOf(AgendaApiError);
      expect(error.code).toBe('AGENDA_REJECTED');
      expect(error.status).toBe(401);
      expect(error.retryable).toBeFalse();
      expect(hub.requests[0]?.headers.authorization).toBe('Bearer secret-token-123');
      expect(inspect(error, { depth: 10 })).not.toContain('secret-token-123');
    });

    it('maps a malformed query (400) to AGENDA_REJECTED', async () => {
      const error = await failureOf(() => client.listAppointments({ updatedSince: 'yesterday' }));
      expect(error.code).toBe('AGENDA_REJECTED');
      expect(error.status).toBe(400);
      expect(error.retryable).toBeFalse();
    });

    it('maps a 500 to AGENDA_UNAVAILABLE, retryable, and the next call works', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      hub.failNext(1, { status: 500 });
      const error = await failureOf(() => client.getAppointment(stored.id));
      expect(error.code).toBe('AGENDA_UNAVAILABLE');
      expect(error.status).toBe(500);
      expect(error.retryable).toBeTrue();
      expect((await client.getAppointment(stored.id))?.id).toBe(stored.id);
    });

    it('maps a 429 to AGENDA_UNAVAILABLE with the hub\'s Retry-After', async () => {
      hub.failNext(1, { status: 429 });
      const error = await failureOf(() => client.listAppointments({ updatedSince: SINCE }));
      expect(error.code).toBe('AGENDA_UNAVAILABLE');
      expect(error.status).toBe(429);
      expect(error.retryable).toBeTrue();
      expect(error.retryAfterMs).toBe(1000);
    });

    it('maps a timeout to AGENDA_UNAVAILABLE, retryable, keeping a cause without the token', async () => {
      const quick = createAgendaClient({ apiUrl: hub.url, apiToken: hub.token, timeoutMs: 150 });
      hub.failNext(1, { delayMs: 30_000 });
      const error = await failureOf(() => quick.getAppointment('apt_1'));
      expect(error.code).toBe('AGENDA_UNAVAILABLE');
      expect(error.retryable).toBeTrue();
      expect(error.status).toBeUndefined();
      expect(error.message).toContain('timeout');
      expect(error.cause).toBeInstanceOf(Error);
      expect(inspect(error, { depth: 10 })).not.toContain(hub.token);
    });

    it('maps a hub that drops connections to AGENDA_UNAVAILABLE until it is up again', async () => {
      const stored = hub.upsert(hub.makeAppointment());
      hub.down();
      const error = await failureOf(() => client.getAppointment(stored.id));
      expect(error.code).toBe('AGENDA_UNAVAILABLE');
      expect(error.retryable).toBeTrue();
      expect(error.cause).toBeInstanceOf(Error);
      expect(inspect(error, { depth: 10 })).not.toContain(hub.token);
      hub.up();
      expect((await client.getAppointment(stored.id))?.id).toBe(stored.id);
    });

    it('maps a nothing-listening port to AGENDA_UNAVAILABLE', async () => {
      const url = hub.url;
      await hub.close();
      const error = await failureOf(() => createAgendaClient({ apiUrl: url, apiToken: 't', timeoutMs: 2_000 }).getAppointment('x'));
      expect(error.code).toBe('AGENDA_UNAVAILABLE');
      hub = await startAgendaHub(); // for afterEach
    });

    it('refuses an appointment that breaks the schema with AGENDA_BAD_RESPONSE, naming the field but not the data', async () => {
      const good = hub.makeAppointment({ patient: { firstName: 'Zéphyrine', lastName: 'Quintessence' } });
      hub.injectRaw(good.id, { ...good, patient: { ...good.patient, mobile: 33612345678 } });
      const error = await failureOf(() => client.getAppointment(good.id));
      expect(error.code).toBe('AGENDA_BAD_RESPONSE');
      expect(error.retryable).toBeFalse();
      expect(error.status).toBe(200);
      expect(error.problems.some((p) => p.startsWith('/patient/mobile'))).toBeTrue();
      const shown = inspect(error, { depth: 10 });
      expect(shown).not.toContain('Zéphyrine');
      expect(shown).not.toContain('33612345678');
    });

    it('refuses a page holding a malformed item with AGENDA_BAD_RESPONSE', async () => {
      hub.upsert(hub.makeAppointment(), { bump: true });
      const broken = hub.makeAppointment();
      hub.injectRaw(broken.id, { ...broken, status: 'maybe' });
      const error = await failureOf(() => client.listAppointments({ updatedSince: SINCE }));
      expect(error.code).toBe('AGENDA_BAD_RESPONSE');
      expect(error.problems.some((p) => /^\/items\/\d+\/status/.test(p))).toBeTrue();
    });

    it('refuses a body that is not JSON with AGENDA_BAD_RESPONSE, without quoting it', async () => {
      hub.failNext(1, { status: 200, body: '<html>Camille Martin</html>' });
      const error = await failureOf(() => client.getAppointment('apt_1'));
      expect(error.code).toBe('AGENDA_BAD_RESPONSE');
      expect(inspect(error, { depth: 10 })).not.toContain('Camille');
    });

    it('does not put the hub\'s error message (which may echo data) in ours', async () => {
      hub.failNext(1, { status: 400, body: JSON.stringify({ error: { code: 'bad_phone', message: 'mobile +33612345678 invalid' } }) });
      const error = await failureOf(() => client.getAppointment('apt_1'));
      expect(error.code).toBe('AGENDA_REJECTED');
      expect(error.hubCode).toBe('bad_phone');
      expect(inspect(error, { depth: 10 })).not.toContain('+33612345678');
    });
  });
});
