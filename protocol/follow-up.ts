/**
 * "Suivi et paiement": the practitioner's own space, across their teleconsultations, with its
 * own sign-in (a link sent to the practitioner's email known from the agenda) and its own
 * session cookie. No schema library here: the practitioner's app imports these types.
 *
 * Routes (all JSON unless said; the follow-up session cookie authorises every `/api/follow-up/…`
 * route except the sign-in request):
 * - `POST /api/follow-up/sign-in` `{ email, language? }` → 202 `{ sent: true }` whatever the
 *   email (the answer never says whether it is known); a known practitioner gets a link.
 * - `POST /api/live/{id}/practitioner/follow-up-link` (consultation session) → 202
 *   {@link FollowUpLinkSent}: the link goes to that consultation's practitioner.
 * - `GET /f/{token}`: opens a sign-in link, sets the follow-up session cookie, 303 to
 *   `/app/follow-up`.
 * - `GET /api/follow-up/me` → {@link FollowUpMe}; `POST /api/follow-up/sign-out` → 204.
 * - `GET /api/follow-up/consultations?from&to&unpaid` → {@link FollowUpList}; a date without a
 *   time (`2026-06-30`) is a day of the practitioner's time zone, `to` included.
 * - `GET /api/follow-up/consultations/{id}` → {@link FollowUpDetail}.
 * - `GET /api/follow-up/consultations/{id}/join` → a consultation session for the practitioner,
 *   303 to that consultation's panel (its waiting room).
 * - `POST /api/follow-up/consultations/{id}/payment/resend` → 202 `{ payment }`.
 * - `GET /api/follow-up/consultations/{id}/documents/{documentId}/download` → 303 to a signed URL.
 * - `GET /api/follow-up/payments.csv?from&to` → `text/csv` of the period's payment requests.
 * - `GET /api/follow-up/events` → `text/event-stream` of {@link FollowUpEvent}s (live payment
 *   and status of the practitioner's consultations).
 */
import type { ConversationEntry, DocumentSummary } from './documents.ts';
import type { PaymentSummary, TeleconsultationSummary } from './live.ts';

/** `POST /api/live/{id}/practitioner/follow-up-link`: where the sign-in link went, masked ("d…@clinique.fr"). */
export interface FollowUpLinkSent {
  sentTo: string;
}

/** `GET /api/follow-up/me`: who is signed in, until when. */
export interface FollowUpMe {
  /** `timezone`: the practitioner's (IANA), in which the list's days are counted. */
  practitioner: { name: string; timezone: string };
  expiresAt: string;
}

/** One teleconsultation in the follow-up list. */
export interface FollowUpItem {
  id: string;
  startsAt: string;
  /** The practitioner's time zone (IANA) for this consultation, as the patient's messages show it. */
  timezone: string;
  durationMinutes: number;
  status: TeleconsultationSummary['status'];
  /** From the actual start to the actual end, seconds; null until both are known. */
  actualDurationSeconds: number | null;
  /** First name and initial. */
  patientName: string;
  reasonLabel: string;
  /** Past the retention period: the patient's name and the reason are gone (empty). */
  purged: boolean;
  payment: PaymentSummary | null;
  documents: number;
  messages: number;
  /** "Rejoindre": opens that consultation's waiting room (null once it can no longer be joined). */
  joinUrl: string | null;
}

/** `GET /api/follow-up/consultations`: newest first within the period. */
export interface FollowUpList {
  from: string;
  to: string;
  items: FollowUpItem[];
}

/** `GET /api/follow-up/consultations/{id}`. */
export interface FollowUpDetail {
  item: FollowUpItem;
  documents: DocumentSummary[];
  conversation: ConversationEntry[];
}

/** What `GET /api/follow-up/events` streams (`event: follow-up`, `data:` one of these as JSON). */
export type FollowUpEvent =
  | { type: 'payment'; teleconsultationId: string; payment: PaymentSummary }
  | { type: 'status'; teleconsultationId: string; status: TeleconsultationSummary['status'] };
