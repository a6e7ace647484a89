import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { ApiError, NETWORK_ERROR_CODE, apiErrorInterceptor } from './api-error';
import {
  BillingApi, amountFieldText, billingErrorMessage, currencySymbol, formatMoney, isPayable, nextPayment, parseTypedAmount,
} from './billing-api';
import { paymentOf } from './billing-api.testing';

function failureOf(request$: Observable<unknown>): Promise<unknown> {
  return firstValueFrom(request$).then(
    (value) => Promise.reject(new Error(`expected a failure, got ${JSON.stringify(value)}`)),
    (error: unknown) => error,
  );
}

const NBSP = /[\u00a0\u202f]/g;
const plain = (text: string) => text.replace(NBSP, ' ');

describe('BillingApi', () => {
  let api: BillingApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([apiErrorInterceptor])), provideHttpClientTesting()],
    });
    api = TestBed.inject(BillingApi);
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  it('gets the invoice settings of a teleconsultation', async () => {
    const settings = { presetsCents: [2500, 3000], currency: 'EUR', maxCents: 50000, sandbox: true, payment: null };
    const result = firstValueFrom(api.invoiceSettings('tc/1'));
    const request = backend.expectOne('/api/live/tc%2F1/practitioner/invoice');
    expect(request.request.method).toBe('GET');
    request.flush(settings);
    expect(await result).toEqual(settings);
  });

  it('posts the amount and tells a new request (201) from the same open one (200)', async () => {
    const created = firstValueFrom(api.requestPayment('tc_1', { value: '30,50', currency: 'EUR' }));
    const first = backend.expectOne('/api/live/tc_1/practitioner/invoice');
    expect(first.request.method).toBe('POST');
    expect(first.request.body).toEqual({ amount: { value: '30,50', currency: 'EUR' } });
    first.flush({ payment: paymentOf() }, { status: 201, statusText: 'Created' });
    expect(await created).toEqual({ payment: paymentOf(), created: true });

    const same = firstValueFrom(api.requestPayment('tc_1', { cents: 3000 }));
    backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ payment: paymentOf() }, { status: 200, statusText: 'OK' });
    expect((await same).created).toBeFalse();
  });

  for (const code of ['AMOUNT_INVALID', 'AMOUNT_NOT_POSITIVE', 'AMOUNT_TOO_PRECISE', 'AMOUNT_TOO_LARGE', 'CURRENCY_UNSUPPORTED']) {
    it(`fails with ${code} on a refused amount (400)`, async () => {
      const failure = failureOf(api.requestPayment('tc_1', { value: 'x' }));
      backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ error: { code, message: 'Refused' } }, { status: 400, statusText: 'Bad Request' });
      const error = await failure;
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toEqual(jasmine.objectContaining({ status: 400, code }));
    });
  }

  it('fails with TELECONSULTATION_CANCELLED (410)', async () => {
    const failure = failureOf(api.requestPayment('tc_1', { value: '30' }));
    backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ error: { code: 'TELECONSULTATION_CANCELLED', message: 'Cancelled' } }, { status: 410, statusText: 'Gone' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 410, code: 'TELECONSULTATION_CANCELLED' }));
  });

  it('re-sends the link (202) and maps 409 and 429', async () => {
    const sent = firstValueFrom(api.resendLink('tc_1'));
    const request = backend.expectOne('/api/live/tc_1/practitioner/invoice/resend');
    expect(request.request.method).toBe('POST');
    request.flush({ payment: paymentOf() }, { status: 202, statusText: 'Accepted' });
    expect(await sent).toEqual(paymentOf());

    const none = failureOf(api.resendLink('tc_1'));
    backend.expectOne('/api/live/tc_1/practitioner/invoice/resend').flush({ error: { code: 'NO_OPEN_PAYMENT', message: 'None' } }, { status: 409, statusText: 'Conflict' });
    expect(await none).toEqual(jasmine.objectContaining({ status: 409, code: 'NO_OPEN_PAYMENT' }));

    const limit = failureOf(api.resendLink('tc_1'));
    backend.expectOne('/api/live/tc_1/practitioner/invoice/resend').flush({ error: { code: 'RESEND_LIMIT', message: 'Too many' } }, { status: 429, statusText: 'Too Many Requests' });
    expect(await limit).toEqual(jasmine.objectContaining({ status: 429, code: 'RESEND_LIMIT' }));
  });

  it('lists the practitioner\'s payments', async () => {
    const items = [{ teleconsultationId: 'tc_1', startsAt: '2026-06-15T08:30:00.000Z', status: 'ended', patientName: 'Camille M.', payment: paymentOf() }];
    const result = firstValueFrom(api.payments('tc_1'));
    backend.expectOne('/api/live/tc_1/practitioner/payments').flush({ items });
    expect(await result).toEqual(items as never);
  });

  it('gets the patient\'s payment, null when none was requested', async () => {
    const some = firstValueFrom(api.patientPayment('tc_1'));
    backend.expectOne('/api/live/tc_1/patient/payment').flush({ payment: paymentOf() });
    expect(await some).toEqual(paymentOf());
    const none = firstValueFrom(api.patientPayment('tc_1'));
    backend.expectOne('/api/live/tc_1/patient/payment').flush({ payment: null });
    expect(await none).toBeNull();
  });

  it('fails with the server code on 500', async () => {
    const failure = failureOf(api.invoiceSettings('tc_1'));
    backend.expectOne('/api/live/tc_1/practitioner/invoice').flush({ error: { code: 'INTERNAL', message: 'Internal error' } }, { status: 500, statusText: 'Internal Server Error' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 500, code: 'INTERNAL' }));
  });

  it('fails with HTTP_502 when a proxy answers without our error body', async () => {
    const failure = failureOf(api.payments('tc_1'));
    backend.expectOne('/api/live/tc_1/practitioner/payments').flush('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 502, code: 'HTTP_502' }));
  });

  it('fails with NETWORK when no response arrives', async () => {
    const failure = failureOf(api.requestPayment('tc_1', { value: '30' }));
    backend.expectOne('/api/live/tc_1/practitioner/invoice').error(new ProgressEvent('error'));
    expect(await failure).toEqual(jasmine.objectContaining({ status: 0, code: NETWORK_ERROR_CODE }));
  });
});

describe('billing amounts', () => {
  it('formats cents in the UI language', () => {
    expect(plain(formatMoney(3000, 'EUR', 'fr'))).toBe('30,00 €');
    expect(plain(formatMoney(3050, 'EUR', 'fr'))).toBe('30,50 €');
    expect(plain(formatMoney(123450, 'EUR', 'fr'))).toBe('1 234,50 €');
    expect(formatMoney(3050, 'EUR', 'en')).toBe('€30.50');
    expect(formatMoney(500, 'JPY', 'en')).toBe('JP¥500');
  });

  it('writes a preset as the practitioner would type it', () => {
    expect(amountFieldText(3000, 'EUR', 'fr')).toBe('30,00');
    expect(amountFieldText(3050, 'EUR', 'en')).toBe('30.50');
    expect(amountFieldText(500, 'JPY', 'fr')).toBe('500');
  });

  it('gives the currency sign for the amount label', () => {
    expect(currencySymbol('EUR', 'fr')).toBe('€');
    expect(currencySymbol('NOPE!', 'fr')).toBe('NOPE!');
  });

  it('accepts typed amounts with a decimal comma or dot, spaces and a euro sign', () => {
    const parse = (text: string) => parseTypedAmount(text, 'EUR', 50000);
    expect(parse('30')).toEqual({ ok: true, cents: 3000, text: '30' });
    expect(parse('30,5')).toEqual({ ok: true, cents: 3050, text: '30.5' });
    expect(parse(' 30,50 € ')).toEqual({ ok: true, cents: 3050, text: '30.50' });
    expect(parse('30.50')).toEqual({ ok: true, cents: 3050, text: '30.50' });
    expect(parseTypedAmount('1\u202f200,00', 'EUR', 500000)).toEqual({ ok: true, cents: 120000, text: '1200.00' });
    expect(parseTypedAmount('500', 'JPY', 1000)).toEqual({ ok: true, cents: 500, text: '500' });
    expect(parseTypedAmount('500,5', 'JPY', 1000)).toEqual({ ok: false, code: 'AMOUNT_TOO_PRECISE' });
  });

  it('refuses typed amounts with the server\'s codes', () => {
    const parse = (text: string) => parseTypedAmount(text, 'EUR', 50000);
    expect(parse('')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('trente')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('30,5,0')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('1e3')).toEqual({ ok: false, code: 'AMOUNT_INVALID' });
    expect(parse('0')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('0,00')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('-30')).toEqual({ ok: false, code: 'AMOUNT_NOT_POSITIVE' });
    expect(parse('30,505')).toEqual({ ok: false, code: 'AMOUNT_TOO_PRECISE' });
    expect(parse('500,01')).toEqual({ ok: false, code: 'AMOUNT_TOO_LARGE' });
    expect(parse('500')).toEqual({ ok: true, cents: 50000, text: '500' });
  });
});

describe('nextPayment', () => {
  const requested = paymentOf();
  const paid = paymentOf({ status: 'paid', paidAt: '2026-06-15T09:00:00.000Z' });
  const newer = paymentOf({ id: 'pay_2', amount: { value: 4000, currency: 'EUR' }, requestedAt: '2026-06-15T08:55:00.000Z' });

  it('takes the first request and its later statuses', () => {
    expect(nextPayment(null, requested)).toEqual(requested);
    expect(nextPayment(requested, paid)).toEqual(paid);
  });

  it('never goes back to an earlier status of the same request', () => {
    expect(nextPayment(paid, requested)).toEqual(paid);
  });

  it('lets a new amount replace the unpaid request, whatever the order of the events', () => {
    const replaced = paymentOf({ status: 'replaced', url: null });
    expect(nextPayment(nextPayment(requested, replaced), newer)).toEqual(newer);
    expect(nextPayment(nextPayment(requested, newer), replaced)).toEqual(newer);
    expect(nextPayment(newer, requested)).toEqual(newer);
  });

  it('keeps what a live event brought when a GET answers null', () => {
    expect(nextPayment(requested, null)).toEqual(requested);
    expect(nextPayment(null, null)).toBeNull();
  });

  it('says when the patient can pay', () => {
    expect(isPayable(requested)).toBeTrue();
    expect(isPayable(paymentOf({ status: 'creating' }))).toBeTrue();
    expect(isPayable(paid)).toBeFalse();
    expect(isPayable(paymentOf({ url: null }))).toBeFalse();
    expect(isPayable(null)).toBeFalse();
  });
});

describe('billingErrorMessage', () => {
  it('maps each billing code to its text, with the maximum', () => {
    expect(billingErrorMessage(new ApiError(400, 'AMOUNT_TOO_LARGE', 'x'), { maxText: '500,00 €' })).toEqual({ key: 'billing.error.AMOUNT_TOO_LARGE', params: { max: '500,00 €', code: 'AMOUNT_TOO_LARGE' } });
    expect(billingErrorMessage('AMOUNT_INVALID').key).toBe('billing.error.AMOUNT_INVALID');
    expect(billingErrorMessage(new ApiError(429, 'RESEND_LIMIT', 'x')).key).toBe('billing.error.RESEND_LIMIT');
    expect(billingErrorMessage(new ApiError(410, 'TELECONSULTATION_CANCELLED', 'x')).key).toBe('billing.error.TELECONSULTATION_CANCELLED');
  });

  it('falls back on network, session, server and unknown errors', () => {
    expect(billingErrorMessage(new ApiError(0, NETWORK_ERROR_CODE, 'x')).key).toBe('error.network');
    expect(billingErrorMessage(new ApiError(401, 'SESSION_REQUIRED', 'x')).key).toBe('error.unauthorized');
    expect(billingErrorMessage(new ApiError(500, 'INTERNAL', 'x')).key).toBe('error.server');
    expect(billingErrorMessage(new ApiError(404, 'SOMETHING', 'x'))).toEqual({ key: 'error.unknown', params: { code: 'SOMETHING' } });
    expect(billingErrorMessage(new Error('bug')).key).toBe('error.unknown');
  });
});
