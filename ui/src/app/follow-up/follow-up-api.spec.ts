import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import type { FollowUpEvent } from '#protocol/follow-up';
import { paymentOf } from '../billing/testing';
import { ApiError, NETWORK_ERROR_CODE } from '../shared/api-error';
import { failureOf, provideApiTesting } from '../shared/testing';
import { EVENT_STREAM_FACTORY, FollowUpApi } from './follow-up-api';
import type { EventStream } from './follow-up-api';
import { FakeEventStream, itemOf } from './testing';

describe('FollowUpApi', () => {
  let api: FollowUpApi;
  let backend: HttpTestingController;
  let streams: FakeEventStream[];

  beforeEach(() => {
    streams = [];
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        { provide: EVENT_STREAM_FACTORY, useValue: (url: string): EventStream => { const s = new FakeEventStream(url); streams.push(s); return s; } },
      ],
    });
    api = TestBed.inject(FollowUpApi);
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  it('asks for a sign-in link with the email and language', async () => {
    const done = firstValueFrom(api.requestSignIn('dr@cabinet.fr', 'fr'));
    const request = backend.expectOne('/api/follow-up/sign-in');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ email: 'dr@cabinet.fr', language: 'fr' });
    request.flush({ sent: true }, { status: 202, statusText: 'Accepted' });
    expect(await done).toBeUndefined();
  });

  it('maps a malformed email (400) to VALIDATION_FAILED', async () => {
    const failure = failureOf(api.requestSignIn('x', 'fr'));
    backend.expectOne('/api/follow-up/sign-in').flush({ error: { code: 'VALIDATION_FAILED', message: 'bad' } }, { status: 400, statusText: 'Bad Request' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 400, code: 'VALIDATION_FAILED' }));
  });

  it('sends the link from a consultation and says where it went', async () => {
    const sent = firstValueFrom(api.sendLinkFromConsultation('tc/1'));
    const request = backend.expectOne('/api/live/tc%2F1/practitioner/follow-up-link');
    expect(request.request.method).toBe('POST');
    request.flush({ sentTo: 'd…@cabinet.fr' }, { status: 202, statusText: 'Accepted' });
    expect(await sent).toEqual({ sentTo: 'd…@cabinet.fr' });
  });

  it('lists the consultations of a period, unpaid only when asked', async () => {
    const list = { from: '2026-06-01T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z', items: [itemOf()] };
    const result = firstValueFrom(api.consultations({ from: '2026-06-01', to: '2026-06-30', unpaid: true }));
    const request = backend.expectOne((r) => r.url === '/api/follow-up/consultations');
    expect(request.request.params.get('from')).toBe('2026-06-01');
    expect(request.request.params.get('to')).toBe('2026-06-30');
    expect(request.request.params.get('unpaid')).toBe('true');
    request.flush(list);
    expect(await result).toEqual(list);

    const all = firstValueFrom(api.consultations());
    const plain = backend.expectOne('/api/follow-up/consultations');
    expect(plain.request.params.keys()).toEqual([]);
    plain.flush(list);
    await all;
  });

  it('fails with FOLLOW_UP_SESSION_REQUIRED (401) without a session', async () => {
    const failure = failureOf(api.consultations());
    backend.expectOne('/api/follow-up/consultations').flush({ error: { code: 'FOLLOW_UP_SESSION_REQUIRED', message: 'Sign in' } }, { status: 401, statusText: 'Unauthorized' });
    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toEqual(jasmine.objectContaining({ status: 401, code: 'FOLLOW_UP_SESSION_REQUIRED' }));
  });

  it('fails with HTTP_500 on a server error without our body', async () => {
    const failure = failureOf(api.detail('tc_1'));
    backend.expectOne('/api/follow-up/consultations/tc_1').flush('<html>oops</html>', { status: 500, statusText: 'Internal Server Error' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 500, code: 'HTTP_500' }));
  });

  it('fails with NETWORK when no response arrives', async () => {
    const failure = failureOf(api.me());
    backend.expectOne('/api/follow-up/me').error(new ProgressEvent('error'));
    expect(await failure).toEqual(jasmine.objectContaining({ status: 0, code: NETWORK_ERROR_CODE }));
  });

  it('re-sends the payment link and maps NO_OPEN_PAYMENT (409)', async () => {
    const resent = firstValueFrom(api.resendPaymentLink('tc_1'));
    const request = backend.expectOne('/api/follow-up/consultations/tc_1/payment/resend');
    expect(request.request.method).toBe('POST');
    request.flush({ payment: paymentOf() }, { status: 202, statusText: 'Accepted' });
    expect(await resent).toEqual(paymentOf());
    const failure = failureOf(api.resendPaymentLink('tc_1'));
    backend.expectOne('/api/follow-up/consultations/tc_1/payment/resend').flush({ error: { code: 'NO_OPEN_PAYMENT', message: 'none' } }, { status: 409, statusText: 'Conflict' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 409, code: 'NO_OPEN_PAYMENT' }));
  });

  it('signs out', async () => {
    const done = firstValueFrom(api.signOut());
    const request = backend.expectOne('/api/follow-up/sign-out');
    expect(request.request.method).toBe('POST');
    request.flush(null, { status: 204, statusText: 'No Content' });
    expect(await done).toBeUndefined();
  });

  it('builds the download and export addresses', () => {
    expect(api.documentUrl('tc_1', 'doc/2')).toBe('/api/follow-up/consultations/tc_1/documents/doc%2F2/download');
    expect(api.paymentsCsvUrl({})).toBe('/api/follow-up/payments.csv');
    expect(api.paymentsCsvUrl({ from: '2026-06-01', to: '2026-06-30' })).toBe('/api/follow-up/payments.csv?from=2026-06-01&to=2026-06-30');
  });

  it('streams the live events, drops malformed ones, and closes the stream on unsubscribe', () => {
    const received: FollowUpEvent[] = [];
    let completed = false;
    const subscription = api.events().subscribe({ next: (e) => received.push(e), complete: () => { completed = true; } });
    const stream = streams[0]!;
    expect(stream.url).toBe('/api/follow-up/events');
    const event: FollowUpEvent = { type: 'payment', teleconsultationId: 'tc_1', payment: paymentOf({ status: 'paid' }) };
    stream.emit('follow-up', JSON.stringify(event));
    stream.emit('follow-up', '{not json');
    expect(received).toEqual([event]);
    stream.fail(0);
    expect(completed).toBeFalse();
    subscription.unsubscribe();
    expect(stream.closed).toBeTrue();
  });

  it('completes when the server ends the stream for good', () => {
    let completed = false;
    api.events().subscribe({ complete: () => { completed = true; } });
    streams[0]!.fail(2);
    expect(completed).toBeTrue();
  });
});
