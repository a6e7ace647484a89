import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { ApiError, NETWORK_ERROR_CODE } from '../shared/api-error';
import { failureOf, provideApiTesting } from '../shared/testing';
import { BillingApi } from './billing-api';
import { paymentOf } from './testing';

describe('BillingApi', () => {
  let api: BillingApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: provideApiTesting(),
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
    const failure = failureOf(api.patientPayment('tc_1'));
    backend.expectOne('/api/live/tc_1/patient/payment').flush('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 502, code: 'HTTP_502' }));
  });

  it('fails with NETWORK when no response arrives', async () => {
    const failure = failureOf(api.requestPayment('tc_1', { value: '30' }));
    backend.expectOne('/api/live/tc_1/practitioner/invoice').error(new ProgressEvent('error'));
    expect(await failure).toEqual(jasmine.objectContaining({ status: 0, code: NETWORK_ERROR_CODE }));
  });
});
