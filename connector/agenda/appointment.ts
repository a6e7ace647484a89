/**
 * The agenda hub's appointment, as it crosses into our system (webhook bodies and API
 * responses). Checked on arrival against these schemas; the generated OpenAPI types
 * describe the same shapes for the HTTP client.
 */
import { Type, type Static } from 'typebox';

const IsoDateTime = Type.String({ format: 'date-time', maxLength: 64 });
const Id = Type.String({ minLength: 1, maxLength: 128 });

export const AppointmentStatusSchema = Type.Union([
  Type.Literal('booked'),
  Type.Literal('cancelled'),
  Type.Literal('done'),
  Type.Literal('noshow'),
]);

export const AppointmentSchema = Type.Object({
  id: Id,
  version: Type.Integer({ minimum: 0 }),
  clinicId: Id,
  status: AppointmentStatusSchema,
  startsAt: IsoDateTime,
  durationMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
  reason: Type.Object({
    id: Id,
    label: Type.String({ maxLength: 500 }),
    teleconsultation: Type.Boolean(),
  }),
  practitioner: Type.Object({
    id: Id,
    name: Type.String({ maxLength: 500 }),
    email: Type.String({ maxLength: 320 }),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    locale: Type.String({ maxLength: 35 }),
  }),
  patient: Type.Object({
    id: Id,
    firstName: Type.String({ maxLength: 500 }),
    lastName: Type.String({ maxLength: 500 }),
    // Kept as strings and judged later: a bad email or phone must not refuse the appointment.
    email: Type.Union([Type.String({ maxLength: 320 }), Type.Null()]),
    mobile: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    locale: Type.String({ maxLength: 35 }),
  }),
  bookedOnline: Type.Boolean(),
  updatedAt: IsoDateTime,
});
export type Appointment = Static<typeof AppointmentSchema>;

/** Whether an appointment is over at `now` (its end passed): no teleconsultation is opened for it. */
export function appointmentOver(a: Pick<Appointment, 'startsAt' | 'durationMinutes'>, now: Date): boolean {
  return Date.parse(a.startsAt) + a.durationMinutes * 60_000 < now.getTime();
}

/** What `appointment.deleted` may carry: only the identity and the version. */
export const AppointmentRefSchema = Type.Object({
  id: Id,
  clinicId: Id,
  version: Type.Integer({ minimum: 0 }),
});
export type AppointmentRef = Static<typeof AppointmentRefSchema>;

export const AGENDA_EVENT_TYPES = ['appointment.created', 'appointment.updated', 'appointment.cancelled', 'appointment.deleted'] as const;
export type AgendaEventType = (typeof AGENDA_EVENT_TYPES)[number];

/** The envelope every agenda webhook shares; `data.appointment` is checked per type. */
/** What every event has, whatever its type: its type (an unknown one is acknowledged and ignored). */
export const AgendaWebhookTypeSchema = Type.Object({ type: Type.String({ minLength: 1, maxLength: 100 }) });

/** The envelope of the events we apply. */
export const AgendaWebhookEnvelopeSchema = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 100 }),
  occurredAt: IsoDateTime,
  data: Type.Object({ appointment: Type.Object({}) }),
});

export const AppointmentPageSchema = Type.Object({
  items: Type.Array(AppointmentSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type AppointmentPage = Static<typeof AppointmentPageSchema>;

/** The status we show on the appointment in the host agenda. */
export type AgendaTeleconsultationStatus = 'scheduled' | 'waiting' | 'in_progress' | 'ended' | 'cancelled';

/** Body of `PUT /appointments/{id}/teleconsultation`. */
export interface TeleconsultationWriteBack {
  joinUrl: string;
  patientUrl: string;
  status: AgendaTeleconsultationStatus;
  payment: null | {
    status: 'requested' | 'paid' | 'failed' | 'refunded';
    amount: { value: number; currency: string };
    url: string;
  };
}
