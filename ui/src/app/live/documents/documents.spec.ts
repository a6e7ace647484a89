import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Role } from '#protocol/live';
import { provideI18nTesting } from '../../i18n/testing';
import { provideApiTesting } from '../../shared/testing';
import { Conversation } from '../chat/conversation';
import { FakeConsultation, provideFakeConsultation } from '../drawing/testing';
import { Documents } from './documents';
import { uploadDocument, type UploadEvent } from './upload';

class FakeClient extends FakeConsultation {
  readonly teleconsultationId = 'tc_1';
  constructor(readonly role: Role) {
    super(role);
  }
}

/** An XMLHttpRequest the spec answers. */
class FakeRequest {
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  responseType = '';
  responseText = '';
  status = 0;
  readyState = 1;
  opened: [string, string] | null = null;
  body: FormData | null = null;
  aborted = false;
  open(method: string, url: string): void {
    this.opened = [method, url];
  }
  send(body: FormData): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
  }
  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.readyState = 4;
    this.onload?.();
  }
}

describe('uploadDocument', () => {
  it('posts the file as the multipart part `file`, reports progress, then the stored document', () => {
    const request = new FakeRequest();
    const events: UploadEvent[] = [];
    const file = new File(['%PDF-1.4'], 'ordonnance.pdf', { type: 'application/pdf' });
    uploadDocument('/api/live/tc_1/patient/documents', file, () => request as unknown as XMLHttpRequest).subscribe((e) => events.push(e));
    expect(request.opened).toEqual(['POST', '/api/live/tc_1/patient/documents']);
    expect((request.body?.get('file') as File).name).toBe('ordonnance.pdf');
    request.upload.onprogress?.(new ProgressEvent('progress', { loaded: 4, total: 8, lengthComputable: true }));
    const document = { id: 'd1', name: 'ordonnance.pdf', size: 8, contentType: 'application/pdf', from: 'patient', at: '2026-06-15T08:31:00Z' };
    request.answer(201, document);
    expect(events).toEqual([{ kind: 'progress', sent: 4, total: 8 }, { kind: 'done', document: document as never }]);
  });

  it("fails with the server's code, and aborts when unsubscribed", () => {
    const refused = new FakeRequest();
    let code = '';
    uploadDocument('/x', new File(['<html>'], 'a.pdf'), () => refused as unknown as XMLHttpRequest).subscribe({ error: (e: { code: string }) => (code = e.code) });
    refused.answer(415, { error: { code: 'DOCUMENT_CONTENT_MISMATCH', message: 'no' } });
    expect(code).toBe('DOCUMENT_CONTENT_MISMATCH');
    const running = new FakeRequest();
    uploadDocument('/x', new File(['x'], 'a.txt'), () => running as unknown as XMLHttpRequest).subscribe().unsubscribe();
    expect(running.aborted).toBeTrue();
  });
});

describe('Documents', () => {
  let documents: Documents;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [...provideApiTesting(), provideI18nTesting('fr-FR'), provideFakeConsultation(new FakeClient('patient')), Conversation, Documents] });
    documents = TestBed.inject(Documents);
    backend = TestBed.inject(HttpTestingController);
    documents.load();
    backend.expectOne('/api/live/tc_1/patient/documents').flush({
      documents: [{ id: 'd1', name: 'bilan.pdf', size: 10, contentType: 'application/pdf', from: 'practitioner', at: '2026-06-15T08:31:00Z' }],
      limits: { maxFileBytes: 1024 * 1024, maxConsultationBytes: 10 * 1024 * 1024, contentTypes: ['application/pdf', 'image/png'] },
    });
  });
  afterEach(() => backend.verify());

  it('lists the documents already shared in the conversation, with a session-checked download address', () => {
    const conversation = TestBed.inject(Conversation);
    expect(conversation.documents().map((d) => d.name)).toEqual(['bilan.pdf']);
    expect(documents.downloadUrl(conversation.documents()[0]!)).toBe('/api/live/tc_1/patient/documents/d1/download');
  });

  it('refuses a file over the limit or of a refused type at once, in words, without sending it', () => {
    documents.upload(new File([new Uint8Array(1024 * 1024 + 1)], 'scan.pdf', { type: 'application/pdf' }));
    documents.upload(new File(['<html>'], 'page.html', { type: 'text/html' }));
    expect(documents.uploads().map((u) => u.error?.key)).toEqual(['documents.error.DOCUMENT_TOO_LARGE', 'documents.error.DOCUMENT_TYPE_REFUSED']);
    expect(documents.uploads()[0]!.error?.params['max']).toMatch(/1\s?Mo/);
    expect(documents.uploading()).toBeFalse();
    documents.dismiss(documents.uploads()[0]!.id);
    expect(documents.uploads().length).toBe(1);
  });
});
