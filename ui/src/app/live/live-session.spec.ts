import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { ApiError, NETWORK_ERROR_CODE } from '../shared/api-error';
import { failureOf, provideApiTesting } from '../shared/testing';
import { LiveSession } from './live-session';
import { summaryOf } from './testing';

const summary = summaryOf();

describe('LiveSession', () => {
  let session: LiveSession;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: provideApiTesting(),
    });
    session = TestBed.inject(LiveSession);
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  it('gets the session summary of a participant', async () => {
    const result = firstValueFrom(session.session('tc_1', 'patient'));
    const request = backend.expectOne('/api/live/tc_1/patient/session');
    expect(request.request.method).toBe('GET');
    request.flush(summary);
    expect(await result).toEqual(summary);
  });

  it('escapes the teleconsultation id in the path', async () => {
    const result = firstValueFrom(session.session('a/b', 'practitioner'));
    backend.expectOne('/api/live/a%2Fb/practitioner/session').flush(summary);
    await result;
  });

  it('fails with the server code on 401 (no session cookie)', async () => {
    const failure = failureOf(session.session('tc_1', 'patient'));
    backend.expectOne('/api/live/tc_1/patient/session').flush({ error: { code: 'SESSION_REQUIRED', message: 'No session' } }, { status: 401, statusText: 'Unauthorized' });
    const error = await failure;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toEqual(jasmine.objectContaining({ status: 401, code: 'SESSION_REQUIRED' }));
  });

  it('fails with the server code on 500', async () => {
    const failure = failureOf(session.session('tc_1', 'patient'));
    backend.expectOne('/api/live/tc_1/patient/session').flush({ error: { code: 'INTERNAL', message: 'Internal error' } }, { status: 500, statusText: 'Internal Server Error' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 500, code: 'INTERNAL' }));
  });

  it('fails with NETWORK when no response arrives', async () => {
    const failure = failureOf(session.session('tc_1', 'patient'));
    backend.expectOne('/api/live/tc_1/patient/session').error(new ProgressEvent('error'));
    expect(await failure).toEqual(jasmine.objectContaining({ status: 0, code: NETWORK_ERROR_CODE }));
  });

  it('returns only the token of the jitsi-token answer', async () => {
    const result = firstValueFrom(session.jitsiToken('tc_1', 'practitioner'));
    backend.expectOne('/api/live/tc_1/practitioner/jitsi-token').flush({ token: 'header.payload.signature', domain: 'meet.example', room: 'abc' });
    expect(await result).toBe('header.payload.signature');
  });

  it('maps a refused jitsi token (403) to its code', async () => {
    const failure = failureOf(session.jitsiToken('tc_1', 'patient'));
    backend.expectOne('/api/live/tc_1/patient/jitsi-token').flush({ error: { code: 'OUTSIDE_WINDOW', message: 'Too early' } }, { status: 403, statusText: 'Forbidden' });
    expect(await failure).toEqual(jasmine.objectContaining({ status: 403, code: 'OUTSIDE_WINDOW' }));
  });
});
