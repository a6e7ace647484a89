/**
 * What a participant's page is told about its teleconsultation: a summary without contact
 * data, and how the call is made (Jitsi when configured, peer-to-peer otherwise).
 */
import type { Config } from '../../config/schema.ts';
import type { MediaSettings, SessionSummary, TeleconsultationSummary } from '#protocol/live';
import type { LinkRole } from '../db/schema/index.ts';
import { linkExpiry } from '../teleconsultations/links.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';

/** The patient's display name: first name and the initial of the last name. */
export function patientDisplayName(t: Pick<Teleconsultation, 'patient'>): string {
  const initial = t.patient.lastName.trim().charAt(0);
  return initial ? `${t.patient.firstName} ${initial.toUpperCase()}.` : t.patient.firstName;
}

/** Until when the call of a teleconsultation can be joined: the end of the appointment plus the links' grace period. */
export function callClosesAt(config: Pick<Config, 'linkGraceHours'>, t: Pick<Teleconsultation, 'startsAt' | 'durationMinutes'>): Date {
  return linkExpiry(t.startsAt, t.durationMinutes, config.linkGraceHours);
}

/** Whether a teleconsultation's call can still be joined (otherwise its links open the consultation space only). */
export function callIsOpen(config: Pick<Config, 'linkGraceHours'>, t: Pick<Teleconsultation, 'startsAt' | 'durationMinutes'>, now: Date): boolean {
  return now.getTime() < callClosesAt(config, t).getTime();
}

/** The page's view of a teleconsultation. */
export function teleconsultationSummary(config: Pick<Config, 'linkGraceHours'>, t: Teleconsultation): TeleconsultationSummary {
  return {
    id: t.id,
    status: t.status,
    startsAt: t.startsAt.toISOString(),
    durationMinutes: t.durationMinutes,
    practitionerName: t.practitioner.name,
    patientName: patientDisplayName(t),
    timezone: t.practitioner.timezone,
    endedBy: t.status === 'ended' ? t.endedBy ?? null : null,
    startedAt: t.startedAt?.toISOString() ?? null,
    endedAt: t.endedAt?.toISOString() ?? null,
    callClosesAt: callClosesAt(config, t).toISOString(),
  };
}

/** How the call is made for this teleconsultation. */
export function mediaSettings(config: Config, t: Pick<Teleconsultation, 'roomName'>): MediaSettings {
  const iceServers = config.iceServers.map((s) => ({ ...s }));
  if (!config.jitsi) return { driver: 'p2p', iceServers };
  const domain = config.jitsi.domain;
  return {
    driver: 'jitsi',
    iceServers,
    // The library comes from the clinic's deployment so that it always matches the server.
    jitsi: { domain, room: t.roomName, libraryUrl: `https://${domain}/libs/lib-jitsi-meet.min.js` },
  };
}

/** The session summary a page reads before connecting. */
export function sessionSummary(config: Config, t: Teleconsultation, role: LinkRole, now: Date): SessionSummary {
  return {
    you: { role }, teleconsultation: teleconsultationSummary(config, t), media: mediaSettings(config, t),
    access: callIsOpen(config, t, now) ? 'call' : 'space',
  };
}
