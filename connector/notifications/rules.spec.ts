import { mergeClinicSettings } from '../teleconsultations/clinic-settings.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';
import { staleness } from './claim.ts';
import { STATUS_RANK } from './status.ts';
import type { ClinicSettings } from '../../config/schema.ts';

const defaults: ClinicSettings = {
  reminderOffsetsMinutes: [1440], invitationMinutesBefore: 15, invoicePresetsCents: [2500], invoiceMaxCents: 50_000,
  currency: 'EUR', paymentReminderMinutes: 1440, senderName: 'Téléconsultation', retentionDays: 90,
};

function tc(over: Partial<Teleconsultation> = {}): Teleconsultation {
  return {
    id: 't', clinicId: 'c', appointmentId: 'a', appointmentVersion: 3, status: 'scheduled', startsAt: new Date('2027-01-10T10:00:00Z'), durationMinutes: 20,
    reasonId: 'r', reasonLabel: 'x', practitioner: { id: 'p', name: 'Dr X', email: 'x@example.com', timezone: 'Europe/Paris', locale: 'fr' },
    patient: { id: 'pt', firstName: 'A', lastName: 'B', locale: 'fr' }, patientEmail: 'a@example.com', emailProblem: null, patientMobile: '+33600000000', smsProblem: null, purgedAt: null,
    bookedOnline: true, roomName: 'room', revision: 1, agendaRevision: 1, cancelledAt: null, startedAt: null, endedAt: null, endedBy: null, createdAt: new Date(), updatedAt: new Date(),
    ...over,
  };
}

describe('clinic settings', () => {
  it('overrides the defaults key by key with well-formed values only', () => {
    const merged = mergeClinicSettings(defaults, { reminderOffsetsMinutes: [60, 1440], invitationMinutesBefore: 'soon', senderName: '', currency: 'USD' });
    expect(merged.reminderOffsetsMinutes).toEqual([60, 1440]);
    expect(merged.invitationMinutesBefore).toBe(15);
    expect(merged.senderName).toBe('Téléconsultation');
    expect(merged.currency).toBe('USD');
    expect(mergeClinicSettings(defaults, null)).toEqual(defaults);
    expect(mergeClinicSettings(defaults, [1, 2])).toEqual(defaults);
  });
});

describe('whether a due message is still right', () => {
  const before = new Date('2027-01-10T09:45:00Z');
  it('sends a current invitation before the start', () => {
    expect(staleness({ kind: 'invitation', appointmentVersion: 3 }, tc(), before)).toBeNull();
  });
  it('drops a message of an older version (moved) or of a cancelled appointment', () => {
    expect(staleness({ kind: 'reminder', appointmentVersion: 2 }, tc(), before)).toEqual({ status: 'cancelled', reason: 'superseded' });
    expect(staleness({ kind: 'invitation', appointmentVersion: 3 }, tc({ status: 'cancelled' }), before)).toEqual({ status: 'cancelled', reason: 'appointment_cancelled' });
  });
  it('skips reminders and invitations once started, waiting or too late', () => {
    expect(staleness({ kind: 'invitation', appointmentVersion: 3 }, tc({ status: 'in_progress', startedAt: before }), before)?.reason).toBe('already_started');
    expect(staleness({ kind: 'reminder', appointmentVersion: 3 }, tc({ status: 'waiting' }), before)?.reason).toBe('already_waiting');
    expect(staleness({ kind: 'reminder', appointmentVersion: 3 }, tc(), new Date('2027-01-10T10:05:00Z'))?.reason).toBe('too_late');
    expect(staleness({ kind: 'invitation', appointmentVersion: 3 }, tc(), new Date('2027-01-10T10:05:00Z'))).toBeNull();
    expect(staleness({ kind: 'invitation', appointmentVersion: 3 }, tc(), new Date('2027-01-10T10:21:00Z'))?.reason).toBe('too_late');
  });
  it('sends a cancellation only while cancelled, and the end message only once ended', () => {
    expect(staleness({ kind: 'cancellation', appointmentVersion: 3 }, tc({ status: 'cancelled' }), before)).toBeNull();
    expect(staleness({ kind: 'cancellation', appointmentVersion: 3 }, tc(), before)?.status).toBe('cancelled');
    expect(staleness({ kind: 'ended', appointmentVersion: 3 }, tc({ status: 'ended' }), before)).toBeNull();
    expect(staleness({ kind: 'payment_request', appointmentVersion: 1 }, tc({ status: 'ended' }), before)).toBeNull();
  });
});

describe('delivery status order', () => {
  it('puts final statuses above delivered, and delivered above sent', () => {
    expect(STATUS_RANK.sent).toBeGreaterThan(STATUS_RANK.sending);
    expect(STATUS_RANK.delivered).toBeGreaterThan(STATUS_RANK.sent);
    expect(STATUS_RANK.bounced).toBeGreaterThan(STATUS_RANK.delivered);
    expect(STATUS_RANK.failed).toBe(STATUS_RANK.bounced);
  });
});
