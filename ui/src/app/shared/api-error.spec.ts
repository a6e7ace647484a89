import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import type { HttpInterceptorFn } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom, throwError } from 'rxjs';
import { ApiError, NETWORK_ERROR_CODE, apiErrorInterceptor, isApiErrorBody } from './api-error';
import { failureOf } from './testing';

describe('apiErrorInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;

  function setUp(interceptors: HttpInterceptorFn[] = [apiErrorInterceptor]): void {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors(interceptors)), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  }

  afterEach(() => backend.verify());

  it('passes successful responses through untouched', async () => {
    setUp();
    const response = firstValueFrom(http.get<{ ok: boolean }>('/api/ping'));
    backend.expectOne('/api/ping').flush({ ok: true });
    expect(await response).toEqual({ ok: true });
  });

  it('maps a 404 with a server error body to its code and message', async () => {
    setUp();
    const failure = failureOf(http.get('/api/appointments/7'));
    backend
      .expectOne('/api/appointments/7')
      .flush({ error: { code: 'APPOINTMENT_NOT_FOUND', message: 'No such appointment' } }, { status: 404, statusText: 'Not Found' });

    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toEqual(jasmine.objectContaining({ status: 404, code: 'APPOINTMENT_NOT_FOUND', message: 'No such appointment' }));
  });

  it('maps a 500 with a server error body and keeps the response as cause', async () => {
    setUp();
    const failure = failureOf(http.post('/api/rooms', { appointmentId: '7' }));
    const request = backend.expectOne('/api/rooms');
    request.flush({ error: { code: 'INTERNAL', message: 'Internal error' } }, { status: 500, statusText: 'Internal Server Error' });

    const error = await failure;
    if (!(error instanceof ApiError)) throw new Error('not an ApiError');
    expect([error.status, error.code, error.message]).toEqual([500, 'INTERNAL', 'Internal error']);
    expect(error.cause).toBeInstanceOf(HttpErrorResponse);
    expect((error.cause as HttpErrorResponse).status).toBe(500);
  });

  it('maps a 502 page from a proxy (not our body) to HTTP_502 without the URL in the message', async () => {
    setUp();
    const failure = failureOf(http.get('/api/patient/secret-token-123'));
    backend.expectOne('/api/patient/secret-token-123').flush('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });

    const error = await failure;
    expect(error).toEqual(jasmine.objectContaining({ status: 502, code: 'HTTP_502', message: 'HTTP 502 Bad Gateway' }));
    expect((error as ApiError).message).not.toContain('secret-token-123');
  });

  it('maps a body of the wrong shape to the HTTP status code', async () => {
    setUp();
    const failure = failureOf(http.get('/api/x'));
    backend.expectOne('/api/x').flush({ error: 'oops' }, { status: 400, statusText: 'Bad Request' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 400, code: 'HTTP_400' }));
  });

  it('reads our error body from a text response', async () => {
    setUp();
    const failure = failureOf(http.get('/api/export', { responseType: 'text' }));
    backend
      .expectOne('/api/export')
      .flush(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'Not yours' } }), { status: 403, statusText: 'Forbidden' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 403, code: 'FORBIDDEN', message: 'Not yours' }));
  });

  it('maps a network error (no response) to NETWORK with status 0', async () => {
    setUp();
    const failure = failureOf(http.get('/api/patient/secret-token-123'));
    backend.expectOne('/api/patient/secret-token-123').error(new ProgressEvent('error'));

    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toEqual(jasmine.objectContaining({ status: 0, code: NETWORK_ERROR_CODE }));
    expect((error as ApiError).message).not.toContain('secret-token-123');
  });

  it('lets errors that are not HTTP responses through unchanged', async () => {
    const bug = new TypeError('bug in a later interceptor');
    const throwing: HttpInterceptorFn = () => throwError(() => bug);
    setUp([apiErrorInterceptor, throwing]);
    expect(await failureOf(http.get('/api/x'))).toBe(bug);
    backend.expectNone('/api/x');
  });
});

describe('isApiErrorBody', () => {
  it('accepts our error body and rejects other shapes', () => {
    expect(isApiErrorBody({ error: { code: 'A', message: 'b' } })).toBeTrue();
    expect(isApiErrorBody({ error: { code: '', message: 'b' } })).toBeFalse();
    expect(isApiErrorBody({ error: { code: 'A' } })).toBeFalse();
    expect(isApiErrorBody({ error: { code: 1, message: 'b' } })).toBeFalse();
    expect(isApiErrorBody({ error: null })).toBeFalse();
    expect(isApiErrorBody({ code: 'A', message: 'b' })).toBeFalse();
    expect(isApiErrorBody(null)).toBeFalse();
    expect(isApiErrorBody('A')).toBeFalse();
  });
});
