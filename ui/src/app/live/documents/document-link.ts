import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import type { DocumentSummary } from '#protocol/live';
import { I18n, TranslatePipe } from '../../i18n/i18n';
import { contentTypeLabel, formatSize } from '../live-format';
import { Documents } from './documents';

/** One shared document: its name as a download link, its size and type. */
@Component({
  selector: 'tc-document-link',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="document" [href]="href()" download data-testid="document-link" [attr.data-document-id]="document().id">
      <span class="visually-hidden">{{ 'documents.download' | t }}</span>
      <span class="name">{{ document().name }}</span>
    </a>
    <span class="meta">{{ size() }} · {{ type() }}</span>
  `,
  styles: `
    :host { display: inline-flex; flex-wrap: wrap; gap: var(--space-1) var(--space-2); align-items: baseline; }
    .document { font-weight: 600; word-break: break-all; }
    .meta { color: var(--color-text-muted); font-size: 0.875rem; }
  `,
})
export class DocumentLink {
  readonly document = input.required<DocumentSummary>();
  private readonly documents = inject(Documents);
  private readonly i18n = inject(I18n);
  protected readonly href = computed(() => this.documents.downloadUrl(this.document()));
  protected readonly size = computed(() => formatSize(this.document().size, this.i18n.language()));
  protected readonly type = computed(() => contentTypeLabel(this.document().contentType));
}
