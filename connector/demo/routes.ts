/**
 * `/demo`: a stand-in practice agenda for a first run without a hub. A newcomer books a
 * teleconsultation, and the connector hears of it through the same signed webhooks and
 * REST API as from a real hub; the "Rejoindre" and patient links it writes back show up
 * on the appointment. Clearly labelled as a demo with fictitious data.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { AppointmentPage } from '../agenda/appointment.ts';
import { bookDemoAppointment, changeDemoAppointment, deliverDemoWebhook, DEMO_PRACTITIONER, getDemoAppointment, listDemoAppointments, storeDemoWriteBack } from './agenda.ts';
import { renderDemoPage } from './page.ts';

function requireDemoToken(services: Services, request: FastifyRequest): void {
  if (request.headers.authorization !== `Bearer ${services.config.agenda.apiToken}`) {
    throw new AppError('UNAUTHORIZED', 'Bearer token required.');
  }
}

interface BookForm { firstName?: string; lastName?: string; email?: string; mobile?: string; locale?: string; startsAt?: string; durationMinutes?: string; teleconsultation?: string }

/** Registers the demo agenda's page and its hub API. */
export async function demoRoutes(app: FastifyInstance, services: Services): Promise<void> {
  // HTML forms post url-encoded bodies; the platform's URLSearchParams reads them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const hide = { hide: true };
  const webhookTarget = () => {
    const address = app.server.address();
    const port = address && typeof address === 'object' ? address.port : services.config.port;
    return `http://127.0.0.1:${port}/webhooks/agenda`;
  };
  const announce = async (request: FastifyRequest, type: Parameters<typeof deliverDemoWebhook>[2], id: string) => {
    const a = await getDemoAppointment(services.database.db, id);
    if (!a) return;
    try {
      const status = await deliverDemoWebhook(webhookTarget(), services.config.agenda.webhookSecret, type, a);
      request.log.info({ status, type }, 'demo agenda delivered a webhook');
    } catch (err) {
      // The reconciliation job reads the demo API and catches up.
      request.log.warn({ err }, 'demo webhook delivery failed');
    }
  };
  const back = (reply: FastifyReply) => reply.redirect('/demo', 303);

  app.get('/demo', { schema: hide }, async (request, reply) => {
    const items = await listDemoAppointments(services.database.db);
    const asked = (request.query as { lang?: string }).lang ?? request.headers['accept-language'] ?? '';
    const lang = asked.toLowerCase().startsWith('en') ? 'en' : 'fr';
    return reply.type('text/html; charset=utf-8').send(renderDemoPage({ items, practitioner: DEMO_PRACTITIONER, lang, now: services.now() }));
  });

  app.post<{ Body: BookForm }>('/demo/appointments', { schema: hide }, async (request, reply) => {
    const f = request.body ?? {};
    const zone = DEMO_PRACTITIONER.timezone;
    const when = f.startsAt ? DateTime.fromISO(f.startsAt, { zone }) : DateTime.now().setZone(zone).plus({ minutes: 20 }).startOf('minute');
    const duration = Number(f.durationMinutes ?? 20);
    if (!when.isValid || !Number.isInteger(duration) || duration < 5 || duration > 240) {
      throw new AppError('VALIDATION_FAILED', 'Date or duration is not valid.');
    }
    const a = await bookDemoAppointment(services.database.db, {
      firstName: (f.firstName ?? '').trim() || 'Alex',
      lastName: (f.lastName ?? '').trim() || 'Dupont',
      email: (f.email ?? '').trim() || null,
      mobile: (f.mobile ?? '').trim() || null,
      locale: f.locale === 'en' ? 'en-GB' : 'fr-FR',
      startsAt: when.toJSDate(),
      durationMinutes: duration,
      // An unchecked checkbox is simply absent from the form.
      teleconsultation: f.teleconsultation === 'on' || f.teleconsultation === 'true',
    }, services.now());
    await announce(request, 'appointment.created', a.id);
    return back(reply);
  });

  app.post<{ Params: { id: string }; Body: { startsAt?: string } }>('/demo/appointments/:id/move', { schema: hide }, async (request, reply) => {
    const when = DateTime.fromISO(request.body?.startsAt ?? '', { zone: DEMO_PRACTITIONER.timezone });
    if (!when.isValid) throw new AppError('VALIDATION_FAILED', 'Date is not valid.');
    const a = await changeDemoAppointment(services.database.db, request.params.id, { startsAt: when.toJSDate() }, services.now());
    if (!a) throw new AppError('NOT_FOUND', 'No such demo appointment.');
    await announce(request, 'appointment.updated', a.id);
    return back(reply);
  });

  app.post<{ Params: { id: string } }>('/demo/appointments/:id/cancel', { schema: hide }, async (request, reply) => {
    const a = await changeDemoAppointment(services.database.db, request.params.id, { status: 'cancelled' }, services.now());
    if (!a) throw new AppError('NOT_FOUND', 'No such demo appointment.');
    await announce(request, 'appointment.cancelled', a.id);
    return back(reply);
  });

  // The hub API, as described in openapi/agenda.yaml.
  app.get<{ Params: { id: string } }>('/demo/api/appointments/:id', { schema: hide }, async (request) => {
    requireDemoToken(services, request);
    const a = await getDemoAppointment(services.database.db, request.params.id);
    if (!a) throw new AppError('NOT_FOUND', 'No such appointment.');
    return a;
  });

  app.get<{ Querystring: { updatedSince?: string; cursor?: string; limit?: string } }>('/demo/api/appointments', { schema: hide }, async (request): Promise<AppointmentPage> => {
    requireDemoToken(services, request);
    const since = request.query.updatedSince ?? new Date(0).toISOString();
    const limit = Math.min(Math.max(Number(request.query.limit ?? 100) || 100, 1), 500);
    const offset = Number(request.query.cursor ?? 0) || 0;
    const all = (await listDemoAppointments(services.database.db))
      .map((x) => x.appointment)
      .filter((a) => a.updatedAt >= since)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id));
    const items = all.slice(offset, offset + limit);
    return { items, nextCursor: offset + limit < all.length ? String(offset + limit) : null };
  });

  app.put<{ Params: { id: string }; Body: Record<string, unknown> }>('/demo/api/appointments/:id/teleconsultation', { schema: hide }, async (request, reply) => {
    requireDemoToken(services, request);
    if (!(await storeDemoWriteBack(services.database.db, request.params.id, request.body))) throw new AppError('NOT_FOUND', 'No such appointment.');
    return reply.status(204).send();
  });
}
