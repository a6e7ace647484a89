import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { I18n, TranslatePipe } from '../../i18n/i18n';
import { Conversation } from '../chat/conversation';
import { ConsultationClient } from '../consultation-client';
import { formatTime } from '../live-format';
import { DocumentLink } from './document-link';
import { ShareFileButton } from './share-file-button';
import { UploadList } from './upload-list';

/** "Documents": everything exchanged in the consultation, who shared it and when, and the uploads running. */
@Component({
  selector: 'tc-documents-list',
  imports: [TranslatePipe, DocumentLink, ShareFileButton, UploadList],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ul class="documents" data-testid="documents">
      @for (document of conversation.documents(); track document.id) {
        <li>
          <tc-document-link [document]="document" />
          <small>{{ (document.from === role ? 'documents.sharedByYou' : 'documents.sharedBy') | t: { name: peerName(), time: time(document.at) } }}</small>
        </li>
      } @empty {
        <li class="empty">{{ 'documents.empty' | t }}</li>
      }
    </ul>
    <tc-upload-list />
    @if (canShare()) {
      <tc-share-file-button />
    }
  `,
  styles: `
    .documents { list-style: none; padding: 0; margin: 0 0 var(--space-3); display: flex; flex-direction: column; gap: var(--space-2); }
    .documents li { display: flex; flex-direction: column; gap: var(--space-1); padding-bottom: var(--space-2); border-bottom: 1px solid var(--color-border); }
    small, .empty { color: var(--color-text-muted); }
  `,
})
export class DocumentsList {
  /** The other participant's name. */
  readonly peerName = input.required<string>();
  /** Offer "Partager un fichier" (not on an ended consultation). */
  readonly canShare = input(true);
  protected readonly conversation = inject(Conversation);
  private readonly client = inject(ConsultationClient);
  private readonly i18n = inject(I18n);
  protected get role(): string {
    return this.client.role;
  }

  protected time(iso: string): string {
    return formatTime(iso, this.client.summary()?.teleconsultation.timezone ?? 'UTC', this.i18n.language());
  }
}
