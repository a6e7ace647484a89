import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { PageShell } from './shared/page-shell';

/** The practitioner's app (`/app/…` but `/app/patient/…`): the shell around the routed page. */
@Component({
  selector: 'tc-root',
  imports: [RouterOutlet, PageShell],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <tc-page-shell>
      <router-outlet />
    </tc-page-shell>
  `,
})
export class App {}
