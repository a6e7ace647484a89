/**
 * The demo agenda's store and its hub side: appointments kept in `demo_appointments`,
 * announced to the connector by signed webhooks exactly as a real hub does. Used only when
 * no agenda is configured.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { Appointment, AgendaEventType } from '../agenda/appointment.ts';
import type { Queryable } from '../db/client.ts';
import { demoAppointments } from '../db/schema/index.ts';

export const DEMO_CLINIC_ID = 'demo-clinic';

export const DEMO_PRACTITIONER = {
  id: 'demo-practitioner',
  name: 'Dr Camille Martin',
  email: 'camille.martin@demo.invalid',
  timezone: 'Europe/Paris',
  locale: 'fr-FR',
} as const;

export interface DemoBooking {
  firstName: string;
  lastName: string;
  email: string | null;
  mobile: string | null;
  locale: string;
  startsAt: Date;
  durationMinutes: number;
  teleconsultation: boolean;
}

/** All demo appointments, soonest first. */
export async function listDemoAppointments(q: Queryable): Promise<{ appointment: Appointment; teleconsultation: Record<string, unknown> | null }[]> {
  const rows = await q.select().from(demoAppointments).orderBy(asc(demoAppointments.updatedAt));
  return rows
    .map((r) => ({ appointment: r.body as unknown as Appointment, teleconsultation: r.teleconsultation ?? null }))
    .sort((a, b) => a.appointment.startsAt.localeCompare(b.appointment.startsAt));
}

export async function getDemoAppointment(q: Queryable, id: string): Promise<Appointment | null> {
  const [row] = await q.select().from(demoAppointments).where(eq(demoAppointments.id, id));
  return row ? (row.body as unknown as Appointment) : null;
}

async function save(q: Queryable, a: Appointment): Promise<void> {
  await q.insert(demoAppointments).values({ id: a.id, body: a as unknown as Record<string, unknown>, updatedAt: new Date(a.updatedAt) })
    .onConflictDoUpdate({ target: demoAppointments.id, set: { body: a as unknown as Record<string, unknown>, updatedAt: new Date(a.updatedAt) } });
}

/** Books a new appointment in the demo agenda. */
export async function bookDemoAppointment(q: Queryable, b: DemoBooking, now: Date): Promise<Appointment> {
  const a: Appointment = {
    id: `demo-${randomUUID()}`,
    version: 1,
    clinicId: DEMO_CLINIC_ID,
    status: 'booked',
    startsAt: b.startsAt.toISOString(),
    durationMinutes: b.durationMinutes,
    reason: b.teleconsultation
      ? { id: 'video', label: 'Téléconsultation', teleconsultation: true }
      : { id: 'office', label: 'Consultation au cabinet', teleconsultation: false },
    practitioner: { ...DEMO_PRACTITIONER },
    patient: { id: `patient-${randomUUID()}`, firstName: b.firstName, lastName: b.lastName, email: b.email, mobile: b.mobile, locale: b.locale },
    bookedOnline: false,
    updatedAt: now.toISOString(),
  };
  await save(q, a);
  return a;
}

/** Changes an appointment (moves or cancels it), bumping its version as a hub does. */
export async function changeDemoAppointment(q: Queryable, id: string, change: { startsAt?: Date; status?: Appointment['status'] }, now: Date): Promise<Appointment | null> {
  const current = await getDemoAppointment(q, id);
  if (!current) return null;
  const next: Appointment = {
    ...current,
    version: current.version + 1,
    ...(change.startsAt ? { startsAt: change.startsAt.toISOString() } : {}),
    ...(change.status ? { status: change.status } : {}),
    updatedAt: now.toISOString(),
  };
  await save(q, next);
  return next;
}

/** Stores what the connector wrote back (the "Rejoindre" link, status, payment). */
export async function storeDemoWriteBack(q: Queryable, id: string, body: Record<string, unknown>): Promise<boolean> {
  const r = await q.update(demoAppointments).set({ teleconsultation: body }).where(eq(demoAppointments.id, id)).returning({ id: demoAppointments.id });
  return r.length > 0;
}

/** Sends a signed webhook for an appointment event, as the hub does. */
export async function deliverDemoWebhook(targetUrl: string, secret: string, type: AgendaEventType, appointment: Appointment): Promise<number> {
  const body = JSON.stringify({ type, occurredAt: new Date().toISOString(), data: { appointment } });
  const id = `msg_${randomUUID().replaceAll('-', '')}`;
  const timestamp = new Date();
  const signature = new Webhook(secret).sign(id, timestamp, body);
  const res = await fetch(targetUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  return res.status;
}
