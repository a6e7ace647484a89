import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, InjectionToken, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import type { FollowUpDetail, FollowUpEvent, FollowUpLinkSent, FollowUpList, FollowUpMe } from '#protocol/follow-up';
import type { PaymentSummary } from '#protocol/live';

const BASE = '/api/follow-up';

/** The period and filter of the list. */
export interface FollowUpQuery {
  /** ISO 8601 date or instant; the server's default (30 days back) when absent. */
  readonly from?: string;
  /** ISO 8601 date (that whole day included) or instant; the server's default (30 days ahead) when absent. */
  readonly to?: string;
  /** Only the consultations whose payment is still due. */
  readonly unpaid?: boolean;
}

/** What the page needs of `EventSource` (a test gives its own). */
export interface EventStream {
  /** 2 (CLOSED) once the browser gave up reconnecting. */
  readonly readyState: number;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** Opens an event stream at a URL (same origin, with cookies). */
export type EventStreamFactory = (url: string) => EventStream;

/** How the follow-up opens its Server-Sent Events stream; the browser's EventSource by default. */
export const EVENT_STREAM_FACTORY = new InjectionToken<EventStreamFactory>('EVENT_STREAM_FACTORY', {
  providedIn: 'root',
  factory: () => (url) => new EventSource(url, { withCredentials: true }) as unknown as EventStream,
});

function periodParams(query: FollowUpQuery): HttpParams {
  let params = new HttpParams();
  if (query.from) params = params.set('from', query.from);
  if (query.to) params = params.set('to', query.to);
  if (query.unpaid) params = params.set('unpaid', 'true');
  return params;
}

/**
 * "Suivi et paiement" (protocol/follow-up.ts): sign-in, the practitioner's consultations and
 * their payments, the export and the live events. Every call but the sign-in request needs the
 * follow-up session cookie; errors arrive as `ApiError` (mapped once by `apiErrorInterceptor`),
 * `FOLLOW_UP_SESSION_REQUIRED` when there is no session.
 */
@Injectable({ providedIn: 'root' })
export class FollowUpApi {
  private readonly http = inject(HttpClient);
  private readonly openStream = inject(EVENT_STREAM_FACTORY);

  /** `POST /api/follow-up/sign-in`: asks for a link; the answer is the same whatever the email. */
  requestSignIn(email: string, language: 'fr' | 'en'): Observable<void> {
    return this.http.post<{ sent: true }>(`${BASE}/sign-in`, { email, language }).pipe(map(() => undefined));
  }

  /** `POST /api/live/{id}/practitioner/follow-up-link`: sends the link to that consultation's practitioner. */
  sendLinkFromConsultation(teleconsultationId: string): Observable<FollowUpLinkSent> {
    return this.http.post<FollowUpLinkSent>(`/api/live/${encodeURIComponent(teleconsultationId)}/practitioner/follow-up-link`, {});
  }

  /** `GET /api/follow-up/me`: who is signed in. */
  me(): Observable<FollowUpMe> {
    return this.http.get<FollowUpMe>(`${BASE}/me`);
  }

  /** `POST /api/follow-up/sign-out`. */
  signOut(): Observable<void> {
    return this.http.post<null>(`${BASE}/sign-out`, {}).pipe(map(() => undefined));
  }

  /** `GET /api/follow-up/consultations`: the period's consultations, newest first. */
  consultations(query: FollowUpQuery = {}): Observable<FollowUpList> {
    return this.http.get<FollowUpList>(`${BASE}/consultations`, { params: periodParams(query) });
  }

  /** `GET /api/follow-up/consultations/{id}`: documents and conversation. */
  detail(teleconsultationId: string): Observable<FollowUpDetail> {
    return this.http.get<FollowUpDetail>(`${BASE}/consultations/${encodeURIComponent(teleconsultationId)}`);
  }

  /** `POST …/payment/resend`: "Renvoyer le lien de paiement". */
  resendPaymentLink(teleconsultationId: string): Observable<PaymentSummary> {
    return this.http.post<{ payment: PaymentSummary }>(`${BASE}/consultations/${encodeURIComponent(teleconsultationId)}/payment/resend`, {}).pipe(map((body) => body.payment));
  }

  /** Where a document of a consultation downloads (a navigation: the server answers a signed link). */
  documentUrl(teleconsultationId: string, documentId: string): string {
    return `${BASE}/consultations/${encodeURIComponent(teleconsultationId)}/documents/${encodeURIComponent(documentId)}/download`;
  }

  /** Where the period's payments export downloads. */
  paymentsCsvUrl(query: Pick<FollowUpQuery, 'from' | 'to'>): string {
    const params = periodParams(query).toString();
    return `${BASE}/payments.csv${params ? `?${params}` : ''}`;
  }

  /** The live events of the practitioner's consultations; completes when the server ends the stream for good. */
  events(): Observable<FollowUpEvent> {
    return new Observable<FollowUpEvent>((subscriber) => {
      const stream = this.openStream(`${BASE}/events`);
      stream.addEventListener('follow-up', (event) => {
        try {
          subscriber.next(JSON.parse(event.data) as FollowUpEvent);
        } catch {
          // A malformed event is dropped; the list stays readable from the API.
        }
      });
      stream.onerror = () => {
        // EventSource reconnects on its own unless the server refused (readyState CLOSED = 2).
        if (stream.readyState === 2) subscriber.complete();
      };
      return () => stream.close();
    });
  }
}
