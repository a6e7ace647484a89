import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from '../shared/i18n';

/** The practitioner's page for one consultation (`/panel/:id`), opened from the agenda. */
@Component({
  selector: 'tc-panel-page',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>{{ 'panel.title' | t }}</h1>`,
})
export class PanelPage {}
