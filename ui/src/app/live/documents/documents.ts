import { HttpClient } from '@angular/common/http';
import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import type { Subscription } from 'rxjs';
import { documentPaths, type DocumentLimits, type DocumentSummary } from '#protocol/documents';
import { ApiError } from '../../shared/api-error';
import type { TranslationKey, TranslationParams } from '../../i18n/i18n';
import { I18n, isTranslationKey } from '../../i18n/i18n';
import { formatSize } from '../live-format';
import { Conversation } from '../chat/conversation';
import { ConsultationClient } from '../consultation-client';
import { uploadDocument } from './upload';

/** An upload on its way or refused, as the page shows it. */
export interface Upload {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /** 0..1. */
  readonly progress: number;
  /** Why it was refused: the text and its values; null while it runs. */
  readonly error: { key: TranslationKey; params: TranslationParams } | null;
}

let uploadIds = 0;

/**
 * "Partager un fichier": sends files into the conversation and follows their upload, with
 * the connector's limits checked first (size, type), so that a refused file is said at once;
 * the connector checks again (content, name, quota) and its refusals are said the same way.
 * The documents themselves are the conversation's ({@link Conversation.documents}).
 */
@Injectable()
export class Documents {
  private readonly client = inject(ConsultationClient);
  private readonly conversation = inject(Conversation);
  private readonly http = inject(HttpClient);
  private readonly i18n = inject(I18n);
  private readonly uploadsSignal = signal<Upload[]>([]);
  private readonly limitsSignal = signal<DocumentLimits | null>(null);
  private readonly running = new Map<number, Subscription>();

  /** Uploads running, and refused ones until dismissed. */
  readonly uploads = this.uploadsSignal.asReadonly();
  /** What the connector accepts (null until loaded). */
  readonly limits = this.limitsSignal.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.running.forEach((s) => s.unsubscribe()));
  }

  /** Loads the limits and the documents already shared. */
  load(): void {
    const id = this.client.teleconsultationId;
    if (!id) return;
    this.http.get<{ documents: DocumentSummary[]; limits: DocumentLimits }>(documentPaths.collection(id, this.client.role)).subscribe({
      next: (response) => {
        this.limitsSignal.set(response.limits);
        for (const document of response.documents) this.conversation.addDocument(document);
      },
      error: () => undefined,
    });
  }

  /** Where a document is downloaded from (a session-checked address that leads to a short-lived link). */
  downloadUrl(document: DocumentSummary): string {
    return documentPaths.download(this.client.teleconsultationId, this.client.role, document.id);
  }

  /** Sends `file` into the conversation. */
  upload(file: File): void {
    const id = ++uploadIds;
    const refused = this.precheck(file);
    this.uploadsSignal.update((list) => [...list, { id, name: file.name, size: file.size, progress: 0, error: refused }]);
    if (refused) return;
    const subscription = uploadDocument(documentPaths.collection(this.client.teleconsultationId, this.client.role), file).subscribe({
      next: (event) => {
        if (event.kind === 'progress') this.patch(id, { progress: event.total > 0 ? event.sent / event.total : 0 });
        else {
          this.conversation.addDocument(event.document);
          this.dismiss(id);
        }
      },
      error: (error: unknown) => this.patch(id, { error: this.refusal(error) }),
    });
    this.running.set(id, subscription);
  }

  /** Forgets a refused upload (or cancels one running). */
  dismiss(id: number): void {
    this.running.get(id)?.unsubscribe();
    this.running.delete(id);
    this.uploadsSignal.update((list) => list.filter((u) => u.id !== id));
  }

  /** True while an upload runs (the hang-up asks first). */
  uploading(): boolean {
    return this.uploadsSignal().some((u) => u.error === null);
  }

  private precheck(file: File): Upload['error'] {
    const limits = this.limitsSignal();
    if (!limits) return null;
    if (file.size > limits.maxFileBytes) return { key: 'documents.error.DOCUMENT_TOO_LARGE', params: { max: this.size(limits.maxFileBytes) } };
    // The browser's type is a hint (empty for HEIC on some systems): the connector sniffs the content.
    if (file.type && !limits.contentTypes.includes(file.type)) return { key: 'documents.error.DOCUMENT_TYPE_REFUSED', params: {} };
    return null;
  }

  private refusal(error: unknown): NonNullable<Upload['error']> {
    const code = error instanceof ApiError ? error.code : 'UNKNOWN';
    const key = `documents.error.${code}`;
    const limits = this.limitsSignal();
    const params = { code, max: this.size(code === 'DOCUMENT_QUOTA_EXCEEDED' ? limits?.maxConsultationBytes ?? 0 : limits?.maxFileBytes ?? 0) };
    if (isTranslationKey(key)) return { key, params };
    return { key: error instanceof ApiError && error.status === 0 ? 'documents.error.NETWORK' : 'documents.error.other', params };
  }

  private size(bytes: number): string {
    return formatSize(bytes, this.i18n.language());
  }

  private patch(id: number, change: Partial<Upload>): void {
    this.uploadsSignal.update((list) => list.map((u) => (u.id === id ? { ...u, ...change } : u)));
  }
}

