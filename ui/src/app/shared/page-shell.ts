import { ChangeDetectionStrategy, Component } from '@angular/core';
import { LanguageSwitcher } from '../i18n/language-switcher';
import { TranslatePipe } from '../i18n/i18n';

/** The frame of every entry: the product name and the language switcher above the page. */
@Component({
  selector: 'tc-page-shell',
  imports: [LanguageSwitcher, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="app-header">
      <span class="app-name">{{ 'app.title' | t }}</span>
      <tc-language-switcher />
    </header>
    <main class="page">
      <ng-content />
    </main>
  `,
})
export class PageShell {}
