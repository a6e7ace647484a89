/**
 * The agenda client used with the demo agenda: the real HTTP client, aimed at this very
 * process once it listens (its port may be chosen by the system).
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/schema.ts';
import { createAgendaClient, type AgendaClient } from '../agenda/client.ts';

/** An agenda client that resolves the demo API's address at its first call. */
export function demoAgendaClient(app: FastifyInstance, config: Config): AgendaClient {
  let client: AgendaClient | undefined;
  const get = (): AgendaClient => {
    if (client) return client;
    const address = app.server.address();
    if (!address || typeof address !== 'object') throw new Error('the demo agenda is not listening yet');
    client = createAgendaClient({ apiUrl: `http://127.0.0.1:${address.port}/demo/api`, apiToken: config.agenda.apiToken, timeoutMs: config.agendaTimeoutMs });
    return client;
  };
  return {
    getAppointment: (id) => get().getAppointment(id),
    listAppointments: (q) => get().listAppointments(q),
    putTeleconsultation: (id, body) => get().putTeleconsultation(id, body),
    listAllUpdatedSince: (since, size) => get().listAllUpdatedSince(since, size),
    pagesUpdatedSince: (since, size) => get().pagesUpdatedSince(since, size),
  };
}
