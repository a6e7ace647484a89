import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from './i18n/i18n';

/** Shown for any address the UI does not know. */
@Component({
  selector: 'tc-not-found-page',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ 'notFound.title' | t }}</h1>
    <p>{{ 'notFound.hint' | t }}</p>
  `,
})
export class NotFoundPage {}
