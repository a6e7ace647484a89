import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { LanguageSwitcher } from './shared/language-switcher';
import { TranslatePipe } from './shared/i18n';

/** The shell: the product name and language switcher above the current page. */
@Component({
  selector: 'tc-root',
  imports: [RouterOutlet, LanguageSwitcher, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="app-header">
      <span class="app-name">{{ 'app.title' | t }}</span>
      <tc-language-switcher />
    </header>
    <main class="page">
      <router-outlet />
    </main>
  `,
})
export class App {}
