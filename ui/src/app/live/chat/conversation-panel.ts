import { ChangeDetectionStrategy, Component, ElementRef, effect, inject, input, viewChild } from '@angular/core';
import { I18n, TranslatePipe } from '../../i18n/i18n';
import { ConsultationClient } from '../consultation-client';
import { DocumentLink } from '../documents/document-link';
import { ShareFileButton } from '../documents/share-file-button';
import { UploadList } from '../documents/upload-list';
import { formatTime } from '../live-format';
import { Conversation, MAX_MESSAGE_LENGTH } from './conversation';

/**
 * "Messages": the conversation of both sides (messages and shared documents), a box to
 * write, and "Partager un fichier". The page says when it is on screen ({@link Conversation.setVisible}).
 */
@Component({
  selector: 'tc-conversation-panel',
  imports: [TranslatePipe, DocumentLink, ShareFileButton, UploadList],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ol #list class="entries" data-testid="conversation" [attr.aria-label]="'chat.title' | t" aria-live="polite" aria-relevant="additions">
      @for (entry of conversation.entries(); track entry.kind + entry.id) {
        <li class="entry" [class.mine]="entry.from === role" [attr.data-from]="entry.from" data-testid="conversation-entry">
          <span class="who">{{ entry.from === role ? ('chat.you' | t) : peerName() }}</span>
          <time class="at" [attr.datetime]="entry.at">{{ time(entry.at) }}</time>
          @if (entry.kind === 'message') {
            <p class="text">{{ entry.text }}</p>
          } @else {
            <tc-document-link [document]="entry.document" />
          }
        </li>
      } @empty {
        <li class="empty">{{ 'chat.empty' | t }}</li>
      }
      @for (text of conversation.sending(); track $index) {
        <li class="entry mine sending"><span class="who">{{ 'chat.you' | t }}</span><p class="text">{{ text }}</p></li>
      }
    </ol>
    @if (composer()) {
    <tc-upload-list />
    <form class="composer" (submit)="send($event, box)">
      <label class="visually-hidden" [attr.for]="boxId">{{ 'chat.placeholder' | t }}</label>
      <textarea #box [id]="boxId" rows="2" [attr.maxlength]="maxLength" [attr.placeholder]="'chat.placeholder' | t" (keydown.enter)="sendOnEnter($event, box)" data-testid="chat-input"></textarea>
      <div class="actions">
        <tc-share-file-button label="none" />
        <button type="submit" class="send">{{ 'chat.send' | t }}</button>
      </div>
    </form>
    @if (notSent) {
      <p class="error" role="alert">{{ 'chat.notSent' | t }}</p>
    }
    }
  `,
  styles: `
    :host { display: flex; flex-direction: column; min-height: 0; gap: var(--space-2); }
    .entries { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1 1 auto; min-height: 6rem; display: flex; flex-direction: column; gap: var(--space-2); }
    .entry { align-self: flex-start; max-width: 90%; padding: var(--space-2); border-radius: var(--radius); background: var(--color-bg); border: 1px solid var(--color-border); }
    .entry.mine { align-self: flex-end; background: var(--color-surface); border-color: var(--color-accent); }
    .sending { opacity: 0.6; }
    .who { font-weight: 600; font-size: 0.875rem; margin-right: var(--space-2); }
    .at { color: var(--color-text-muted); font-size: 0.75rem; }
    .text { margin: var(--space-1) 0 0; white-space: pre-wrap; word-break: break-word; }
    .empty { color: var(--color-text-muted); }
    .composer { display: flex; flex-direction: column; gap: var(--space-2); }
    textarea { width: 100%; font: inherit; padding: var(--space-2); border-radius: var(--radius); border: 1px solid var(--color-border); background: var(--color-surface); color: var(--color-text); resize: vertical; }
    .actions { display: flex; gap: var(--space-2); justify-content: space-between; }
    .send { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
    .error { color: var(--color-danger); margin: 0; }
  `,
})
export class ConversationPanel {
  /** The other participant's name, shown on their entries. */
  readonly peerName = input.required<string>();
  /** The box to write and "Partager un fichier" (not in the consultation space, after the end). */
  readonly composer = input(true);
  protected readonly conversation = inject(Conversation);
  private readonly client = inject(ConsultationClient);
  private readonly i18n = inject(I18n);
  private readonly list = viewChild.required<ElementRef<HTMLOListElement>>('list');
  protected get role(): string {
    return this.client.role;
  }
  protected readonly maxLength = MAX_MESSAGE_LENGTH;
  protected readonly boxId = `chat-box-${Math.random().toString(36).slice(2, 8)}`;
  protected notSent = false;

  constructor() {
    // The newest entry in view.
    effect(() => {
      this.conversation.entries();
      this.conversation.sending();
      const list = this.list().nativeElement;
      queueMicrotask(() => list.scrollTo({ top: list.scrollHeight }));
    });
  }

  protected time(iso: string): string {
    const timezone = this.client.summary()?.teleconsultation.timezone ?? 'UTC';
    return formatTime(iso, timezone, this.i18n.language());
  }

  /** Sends what is in the box. */
  protected send(event: Event, box: HTMLTextAreaElement): void {
    event.preventDefault();
    if (!box.value.trim()) return;
    this.notSent = !this.conversation.send(box.value);
    if (!this.notSent) box.value = '';
  }

  /** Enter sends, Shift+Enter goes to the next line. */
  protected sendOnEnter(event: Event, box: HTMLTextAreaElement): void {
    if ((event as KeyboardEvent).shiftKey) return;
    this.send(event, box);
  }
}
