import { DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { TranslatePipe } from '../../i18n/i18n';
import { Documents } from './documents';

/** The uploads on their way (a progress bar each) and the refused ones, with why, until dismissed. */
@Component({
  selector: 'tc-upload-list',
  imports: [TranslatePipe, DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @for (upload of documents.uploads(); track upload.id) {
      <div class="upload" [class.refused]="upload.error" data-testid="upload">
        @if (upload.error; as error) {
          <p role="alert" data-testid="upload-error">
            <strong>{{ upload.name }}</strong> : {{ error.key | t: error.params }}
          </p>
          <button type="button" class="dismiss" (click)="documents.dismiss(upload.id)" [attr.aria-label]="'documents.dismiss' | t">✕</button>
        } @else {
          <label [attr.for]="'upload-' + upload.id">{{ 'documents.uploading' | t: { name: upload.name } }}</label>
          <progress [id]="'upload-' + upload.id" max="100" [value]="upload.progress * 100">{{ upload.progress * 100 | number: '1.0-0' }} %</progress>
        }
      </div>
    }
  `,
  styles: `
    .upload { display: flex; flex-wrap: wrap; gap: var(--space-1) var(--space-2); align-items: center; padding: var(--space-2); border: 1px solid var(--color-border); border-radius: var(--radius); margin-block: var(--space-1); }
    .upload label { flex: 1 1 100%; font-size: 0.875rem; word-break: break-all; }
    progress { flex: 1; height: 0.75rem; }
    .refused { border-color: var(--color-danger); }
    .refused p { flex: 1; margin: 0; color: var(--color-danger); word-break: break-word; }
    .dismiss { min-width: var(--tap-size); }
  `,
})
export class UploadList {
  protected readonly documents = inject(Documents);
}
