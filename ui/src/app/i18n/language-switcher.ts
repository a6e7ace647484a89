import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { I18n, LANGUAGES, TranslatePipe } from './i18n';
import type { Language } from './i18n';

/**
 * Buttons to switch the UI language. Each language is named in itself ("Français", "English")
 * with its own `lang`, so a screen reader pronounces it right whatever the current language.
 */
@Component({
  selector: 'tc-language-switcher',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="language-switcher" role="group" [attr.aria-label]="'language.label' | t">
      @for (language of languages; track language) {
        <button
          type="button"
          [attr.lang]="language"
          [attr.aria-pressed]="i18n.language() === language"
          (click)="switchTo(language)"
        >
          {{ nameOf(language) }}
        </button>
      }
    </div>
  `,
  styles: `
    .language-switcher {
      display: inline-flex;
      gap: var(--space-1);
    }
    button[aria-pressed='true'] {
      background: var(--color-accent);
      border-color: var(--color-accent);
      color: var(--color-on-accent);
    }
  `,
})
export class LanguageSwitcher {
  protected readonly i18n = inject(I18n);
  protected readonly languages = LANGUAGES;

  /** Makes `language` the UI language. */
  protected switchTo(language: Language): void {
    this.i18n.use(language);
  }

  /** The name of `language` written in that language. */
  protected nameOf(language: Language): string {
    return this.i18n.textIn(language, `language.${language}`);
  }
}
