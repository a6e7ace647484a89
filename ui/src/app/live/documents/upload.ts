import { Observable } from 'rxjs';
import type { DocumentSummary } from '#protocol/live';
import { ApiError, NETWORK_ERROR_CODE, isApiErrorBody } from '../../shared/api-error';

/** Where an upload stands: bytes sent so far, then the stored document. */
export type UploadEvent = { kind: 'progress'; sent: number; total: number } | { kind: 'done'; document: DocumentSummary };

/**
 * Uploads one file as `multipart/form-data` (part `file`) and reports its progress.
 * XMLHttpRequest, not fetch: only it reports upload progress
 * (https://developer.mozilla.org/docs/Web/API/XMLHttpRequestUpload/progress_event).
 * Fails with an `ApiError`, as every HTTP call of the UI does. Unsubscribing aborts.
 */
export function uploadDocument(url: string, file: File, createRequest: () => XMLHttpRequest = () => new XMLHttpRequest()): Observable<UploadEvent> {
  return new Observable<UploadEvent>((subscriber) => {
    const request = createRequest();
    request.open('POST', url);
    request.responseType = 'text';
    request.upload.onprogress = (event) => subscriber.next({ kind: 'progress', sent: event.loaded, total: event.lengthComputable ? event.total : file.size });
    request.onerror = () => subscriber.error(new ApiError(0, NETWORK_ERROR_CODE, 'No response from the server'));
    request.onload = () => {
      const body = parse(request.responseText);
      if (request.status === 201 && isDocument(body)) {
        subscriber.next({ kind: 'done', document: body });
        subscriber.complete();
      } else if (isApiErrorBody(body)) {
        subscriber.error(new ApiError(request.status, body.error.code, body.error.message));
      } else {
        subscriber.error(new ApiError(request.status, `HTTP_${request.status}`, `HTTP ${request.status}`));
      }
    };
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
    return () => {
      if (request.readyState !== XMLHttpRequest.DONE) request.abort();
    };
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isDocument(body: unknown): body is DocumentSummary {
  return typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string' && typeof (body as { name?: unknown }).name === 'string';
}
