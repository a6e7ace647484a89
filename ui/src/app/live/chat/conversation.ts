import { HttpClient } from '@angular/common/http';
import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type { ConversationEntry, ConversationResponse, DocumentSummary, ServerMessage } from '#protocol/live';
import { ConsultationClient } from '../consultation-client';

/** Longest message, as the live protocol accepts it. */
export const MAX_MESSAGE_LENGTH = 4000;

let clientIds = 0;

/**
 * The conversation of the page's consultation ("Messages"): the messages and the documents
 * of both sides, in the order they were shared. It is loaded whole from the transcript API
 * (`load()`: entering the call, after a reconnection, on the end screen) and follows the
 * live `chat` and `document` messages. The unread count grows with the other side's entries
 * while the page says the conversation is not on screen. Provided with the page's client.
 */
@Injectable()
export class Conversation {
  private readonly client = inject(ConsultationClient);
  private readonly http = inject(HttpClient);
  private readonly entriesSignal = signal<ConversationEntry[]>([]);
  private readonly unreadSignal = signal(0);
  private readonly loadFailedSignal = signal(false);
  private visible = false;
  /** Messages sent and not yet echoed by the server, by client id. */
  private readonly pending = signal<{ clientId: string; text: string }[]>([]);

  /** Messages and documents, oldest first. */
  readonly entries = this.entriesSignal.asReadonly();
  /** The documents of the conversation, oldest first. */
  readonly documents = computed(() => this.entriesSignal().flatMap((e) => (e.kind === 'document' ? [e.document] : [])));
  /** The other side's entries that arrived while the conversation was not shown. */
  readonly unread = this.unreadSignal.asReadonly();
  /** Our messages on their way (shown greyed until the server has them). */
  readonly sending = computed(() => this.pending().map((p) => p.text));
  /** The transcript could not be loaded (the live messages still arrive). */
  readonly loadFailed = this.loadFailedSignal.asReadonly();

  constructor() {
    const subscription = this.client.socket.messages$.subscribe((message) => this.follow(message));
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  /** Loads the whole conversation (merged with what the live socket brought meanwhile). */
  load(): void {
    const id = this.client.teleconsultationId;
    if (!id) return;
    this.http.get<ConversationResponse>(`/api/live/${encodeURIComponent(id)}/${this.client.role}/conversation`).subscribe({
      next: (response) => {
        this.loadFailedSignal.set(false);
        for (const entry of response.entries) this.add(entry, false);
      },
      error: () => this.loadFailedSignal.set(true),
    });
  }

  /** The page shows the conversation (unread count cleared) or hides it. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.unreadSignal.set(0);
  }

  /** Sends a message; false when it could not leave (no connection) or is empty. */
  send(text: string): boolean {
    const trimmed = text.trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!trimmed) return false;
    const clientId = `m${Date.now().toString(36)}${(clientIds++).toString(36)}`;
    if (!this.client.send({ type: 'chat', text: trimmed, clientId })) return false;
    this.pending.update((list) => [...list, { clientId, text: trimmed }]);
    return true;
  }

  /** A document we just uploaded (its live message may come before or after). */
  addDocument(document: DocumentSummary): void {
    this.add({ kind: 'document', id: document.id, from: document.from, at: document.at, document }, false);
  }

  private follow(message: ServerMessage): void {
    if (message.type === 'chat') {
      if (message.clientId) this.pending.update((list) => list.filter((p) => p.clientId !== message.clientId));
      this.add({ kind: 'message', id: message.id, from: message.from, text: message.text, at: message.at }, true);
    } else if (message.type === 'document') {
      this.add({ kind: 'document', id: message.document.id, from: message.document.from, at: message.document.at, document: message.document }, true);
    } else if (message.type === 'state') {
      // Back after a reconnection: what was said meanwhile.
      if (this.entriesSignal().length > 0) this.load();
    }
  }

  private add(entry: ConversationEntry, live: boolean): void {
    const list = this.entriesSignal();
    if (list.some((e) => e.kind === entry.kind && e.id === entry.id)) return;
    const next = [...list, entry].sort((a, b) => a.at.localeCompare(b.at));
    this.entriesSignal.set(next);
    if (live && !this.visible && entry.from !== this.client.role) this.unreadSignal.update((n) => n + 1);
  }
}
