import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { PaymentSummary } from '#protocol/live';
import { ApiError } from '../shared/api-error';

/** `GET /api/live/{id}/practitioner/invoice`: what the "€ Facture" dialog offers. */
export interface InvoiceSettings {
  /** Preset amounts, in cents. */
  readonly presetsCents: readonly number[];
  /** ISO 4217 code of the clinic's currency. */
  readonly currency: string;
  /** Largest amount accepted, in cents. */
  readonly maxCents: number;
  /** True without a Stripe account: payments are simulated. */
  readonly sandbox: boolean;
  /** The teleconsultation's current request, if any. */
  readonly payment: PaymentSummary | null;
}

/** An amount as the server accepts it: major units as typed ("30,50") or minor units (a preset). */
export type AmountInput = { readonly value: string; readonly currency?: string } | { readonly cents: number; readonly currency?: string };

/** The answer to "€ Facture": the request, and whether it is new (201) or the same open one (200). */
export interface PaymentRequestResult {
  readonly payment: PaymentSummary;
  readonly created: boolean;
}

const base = (id: string, role: 'practitioner' | 'patient') => `/api/live/${encodeURIComponent(id)}/${role}`;

/**
 * The billing routes of the live pages (connector/billing/routes.ts). Every call needs the
 * session cookie of that teleconsultation; errors arrive as `ApiError` (mapped once by
 * `apiErrorInterceptor`).
 */
@Injectable({ providedIn: 'root' })
export class BillingApi {
  private readonly http = inject(HttpClient);

  /** `GET …/practitioner/invoice`: presets, maximum, sandbox flag and the current request. */
  invoiceSettings(teleconsultationId: string): Observable<InvoiceSettings> {
    return this.http.get<InvoiceSettings>(`${base(teleconsultationId, 'practitioner')}/invoice`);
  }

  /** `POST …/practitioner/invoice`: asks the patient to pay; a new amount replaces the unpaid request. */
  requestPayment(teleconsultationId: string, amount: AmountInput): Observable<PaymentRequestResult> {
    return this.http
      .post<{ payment: PaymentSummary }>(`${base(teleconsultationId, 'practitioner')}/invoice`, { amount }, { observe: 'response' })
      .pipe(map((response) => ({ payment: requiredBody(response.body).payment, created: response.status === 201 })));
  }

  /** `POST …/practitioner/invoice/resend`: sends the open request's link again (SMS and email). */
  resendLink(teleconsultationId: string): Observable<PaymentSummary> {
    return this.http.post<{ payment: PaymentSummary }>(`${base(teleconsultationId, 'practitioner')}/invoice/resend`, {}).pipe(map((body) => body.payment));
  }

  /** `GET …/patient/payment`: the payment the patient is asked to make, if any. */
  patientPayment(teleconsultationId: string): Observable<PaymentSummary | null> {
    return this.http.get<{ payment: PaymentSummary | null }>(`${base(teleconsultationId, 'patient')}/payment`).pipe(map((body) => body.payment));
  }
}

function requiredBody<T>(body: T | null): T {
  if (body === null) throw new ApiError(200, 'EMPTY_RESPONSE', 'The server answered without a body');
  return body;
}
