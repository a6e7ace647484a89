import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from '../shared/i18n';

/** The patient's page (`/patient`), designed for a phone first. */
@Component({
  selector: 'tc-patient-page',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>{{ 'patient.title' | t }}</h1>`,
})
export class PatientPage {}
