import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { JitsiTokenResponse, Role, SessionSummary } from '#protocol/live';

/**
 * The HTTP side of a live page: the session summary (who am I, which teleconsultation, which
 * media) and, for the jitsi driver, a freshly minted token. Errors arrive as `ApiError`
 * (mapped once by `apiErrorInterceptor`).
 */
@Injectable({ providedIn: 'root' })
export class LiveSession {
  private readonly http = inject(HttpClient);

  /** `GET /api/live/{id}/{role}/session`. */
  session(teleconsultationId: string, role: Role): Observable<SessionSummary> {
    return this.http.get<SessionSummary>(`/api/live/${encodeURIComponent(teleconsultationId)}/${role}/session`);
  }

  /** `GET /api/live/{id}/{role}/jitsi-token`: the token only (never stored nor logged). */
  jitsiToken(teleconsultationId: string, role: Role): Observable<string> {
    return this.http
      .get<JitsiTokenResponse>(`/api/live/${encodeURIComponent(teleconsultationId)}/${role}/jitsi-token`)
      .pipe(map((response) => response.token));
  }
}
