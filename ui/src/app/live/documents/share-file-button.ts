import { ChangeDetectionStrategy, Component, ElementRef, computed, inject, input, viewChild } from '@angular/core';
import { TranslatePipe } from '../../i18n/i18n';
import { Icon } from '../../shared/icon';
import { Documents } from './documents';

/** The extensions each accepted type is known by, for the file picker's filter. */
const EXTENSIONS: Record<string, string[]> = {
  'application/pdf': ['.pdf'], 'image/jpeg': ['.jpg', '.jpeg'], 'image/png': ['.png'], 'image/webp': ['.webp'], 'image/heic': ['.heic'], 'text/plain': ['.txt'],
};

/** "Partager un fichier": picks one or more files and sends them into the conversation. */
@Component({
  selector: 'tc-share-file-button',
  imports: [TranslatePipe, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button type="button" [class]="buttonClass()" (click)="pick()" [attr.aria-label]="'tools.shareFile' | t" [attr.title]="'tools.shareFile' | t">
      <tc-icon name="attach" />
      @switch (label()) {
        @case ('full') { <span>{{ 'tools.shareFile' | t }}</span> }
        @case ('short') { <span>{{ 'tools.openFile' | t }}</span> }
      }
    </button>
    <input #picker type="file" multiple hidden [attr.accept]="accept()" data-testid="share-file-input" (change)="chosen(picker)" />
  `,
})
export class ShareFileButton {
  /** The visible text: the whole name, "Fichier" (a part of it, for a narrow bar), or none (the name stays, as `aria-label`). */
  readonly label = input<'full' | 'short' | 'none'>('full');
  readonly buttonClass = input('');
  private readonly documents = inject(Documents);
  private readonly picker = viewChild.required<ElementRef<HTMLInputElement>>('picker');
  protected readonly accept = computed(() => {
    const types = this.documents.limits()?.contentTypes ?? Object.keys(EXTENSIONS);
    return types.flatMap((t) => [t, ...(EXTENSIONS[t] ?? [])]).join(',');
  });

  /** Opens the file picker. */
  pick(): void {
    this.picker().nativeElement.click();
  }

  /** Sends each chosen file, then clears the picker so the same file can be chosen again. */
  chosen(input: HTMLInputElement): void {
    for (const file of Array.from(input.files ?? [])) this.documents.upload(file);
    input.value = '';
  }
}
