import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Value } from 'typebox/value';
import { AppointmentSchema } from '../../connector/agenda/appointment.ts';
import { startAgendaHub, type AgendaHub } from './agenda-hub.ts';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
}

/** A receiver that checks signatures exactly as our intake must: `standardwebhooks`' `Webhook.verify` on the raw body. */
async function startReceiver(secret: string): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const verifier = new Webhook(secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, raw });
      const headers: Record<string, string> = {};
      for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      try {
        verifier.verify(raw, headers);
        res.writeHead(204).end();
      } catch {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"bad signature"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/agenda`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('agenda hub fake', () => {
  let hub: AgendaHub;
  beforeEach(async () => {
    hub = await startAgendaHub();
  });
  afterEach(async () => {
    await hub.close();
  });

  describe('webhooks', () => {
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    beforeEach(async () => {
      receiver = await startReceiver(hub.webhookSecret);
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('signs deliveries so that standardwebhooks Webhook.verify accepts them', async () => {
      const appointment = hub.makeAppointment();
      const result = await hub.deliver(receiver.url, 'appointment.created', appointment);
      expect(result.status).toBe(204);
      const got = receiver.received[0];
      expect(got?.headers['webhook-id']).toMatch(/^msg_\w+$/);
      expect(got?.headers['webhook-timestamp']).toMatch(/^\d+$/);
      expect(got?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(got?.headers['content-type']).toBe('application/json');
      const body = new Webhook(hub.webhookSecret).verify(got?.raw ?? '', {
        'webhook-id': String(got?.headers['webhook-id']),
        'webhook-timestamp': String(got?.headers['webhook-timestamp']),
        'webhook-signature': String(got?.headers['webhook-signature']),
      });
      expect(body).toEqual({ type: 'appointment.created', occurredAt: jasmine.any(String), data: { appointment } });
    });

    it('is refused by a receiver holding another secret', async () => {
      const other = await startReceiver(`whsec_${Buffer.from('another key of thirty-two bytes!').toString('base64')}`);
      try {
        expect((await hub.deliver(other.url, 'appointment.updated', hub.makeAppointment())).status).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('verifies when several signatures are sent during a key rotation', async () => {
      const id = 'msg_rotation';
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ type: 'appointment.deleted', occurredAt: new Date().toISOString(), data: { appointment: { id: 'a', clinicId: 'c', version: 3 } } });
      const oldSecret = `whsec_${Buffer.from('the previous key, now retired..!').toString('base64')}`;
      const old = hub.signedHeaders(id, timestamp, body, oldSecret)['webhook-signature'];
      const current = hub.signedHeaders(id, timestamp, body)['webhook-signature'];
      const result = await hub.deliver(receiver.url, 'appointment.deleted', { id: 'a', clinicId: 'c', version: 3 }, { id, timestamp, body, signature: `${old} ${current}` });
      expect(result.status).toBe(204);
      expect(receiver.received[0]?.headers['webhook-id']).toBe(id);
    });

    it('lets tests send a tampered body, a wrong signature or a stale timestamp, which fail verification', async () => {
      const appointment = hub.makeAppointment();
      const id = 'msg_fixed';
      const timestamp = Math.floor(Date.now() / 1000);
      const signed = hub.signedHeaders(id, timestamp, '{"original":true}');
      expect((await hub.deliver(receiver.url, 'appointment.updated', appointment, { id, timestamp, body: '{"original":false}', signature: signed['webhook-signature'] })).status).toBe(401);
      expect((await hub.deliver(receiver.url, 'appointment.updated', appointment, { signature: 'v1,AAAA' })).status).toBe(401);
      expect((await hub.deliver(receiver.url, 'appointment.updated', appointment, { timestamp: timestamp - 3600 })).status).toBe(401);
      expect((await hub.deliver(receiver.url, 'appointment.updated', appointment, { id, timestamp, body: '{"original":true}' })).status).toBe(204);
    });

    it('gives signedHeaders that Webhook.verify accepts', () => {
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = hub.signedHeaders('msg_1', timestamp, '{"a":1}');
      expect(new Webhook(hub.webhookSecret).verify('{"a":1}', { ...headers })).toEqual({ a: 1 });
    });
  });

  describe('API', () => {
    const get = (path: string, token: string | undefined) =>
      fetch(`${hub.url}${path}`, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });

    it('refuses requests without the right Bearer token (401, JSON error) and records them', async () => {
      const a = hub.upsert(hub.makeAppointment());
      const none = await get(`/appointments/${a.id}`, undefined);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: jasmine.any(String) } });
      expect((await get(`/appointments/${a.id}`, 'wrong')).status).toBe(401);
      expect((await get(`/appointments/${a.id}`, hub.token)).status).toBe(200);
      expect(hub.requests.length).toBe(3);
    });

    it('makes valid teleconsultation appointments with French data', () => {
      const a = hub.makeAppointment();
      expect(Value.Check(AppointmentSchema, a)).toBeTrue();
      expect(a.reason.teleconsultation).toBeTrue();
      expect(a.practitioner.timezone).toBe('Europe/Paris');
      expect(a.patient.locale).toBe('fr-FR');
      expect(a.patient.mobile).toMatch(/^\+33[67]\d{8}$/);
      expect(a.startsAt).toMatch(/T10:30:00\+0[12]:00$/);
      const b = hub.makeAppointment({ patient: { mobile: null }, status: 'cancelled' });
      expect(b.patient.mobile).toBeNull();
      expect(b.patient.firstName).toEqual(jasmine.any(String));
      expect(b.status).toBe('cancelled');
      expect(b.id).not.toBe(a.id);
    });

    it('bumps version and updatedAt when asked, and lists changes since an instant', async () => {
      const a = hub.upsert(hub.makeAppointment({ version: 4, updatedAt: '2024-01-01T00:00:00.000Z' }));
      expect(a.version).toBe(4);
      const bumped = hub.upsert({ ...a, status: 'done' }, { bump: true });
      expect(bumped.version).toBe(5);
      expect(Date.parse(bumped.updatedAt)).toBeGreaterThan(Date.parse(a.updatedAt));
      const old = hub.upsert(hub.makeAppointment({ updatedAt: '2023-06-01T00:00:00.000Z' }));
      const response = await get(`/appointments?updatedSince=${encodeURIComponent('2024-01-02T00:00:00Z')}`, hub.token);
      const page = (await response.json()) as { items: { id: string }[]; nextCursor: string | null };
      expect(page.items.map((i) => i.id)).toEqual([a.id]);
      expect(page.items.map((i) => i.id)).not.toContain(old.id);
      expect(page.nextCursor).toBeNull();
    });

    it('answers 400 to a missing updatedSince or a bad cursor', async () => {
      expect((await get('/appointments', hub.token)).status).toBe(400);
      expect((await get('/appointments?updatedSince=2024-01-01T00:00:00Z&cursor=nonsense', hub.token)).status).toBe(400);
    });

    it('serves the next request late after failNext with delayMs only', async () => {
      const a = hub.upsert(hub.makeAppointment());
      hub.failNext(1, { delayMs: 50 });
      expect((await get(`/appointments/${a.id}`, hub.token)).status).toBe(200);
    });

    it('fails only the requests to the path given to failNext, in order', async () => {
      const a = hub.upsert(hub.makeAppointment());
      const b = hub.upsert(hub.makeAppointment());
      hub.failNext(1, { status: 503, path: `/appointments/${encodeURIComponent(b.id)}` });
      hub.failNext(1, { status: 500 });
      expect((await get(`/appointments/${a.id}`, hub.token)).status).toBe(500);
      expect((await get(`/appointments/${a.id}`, hub.token)).status).toBe(200);
      expect((await get(`/appointments/${b.id}`, hub.token)).status).toBe(503);
      expect((await get(`/appointments/${b.id}`, hub.token)).status).toBe(200);
    });
  });
});
