import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';

/** `/patient` without a teleconsultation: the patient arrived without their link. */
@Component({
  selector: 'tc-patient-landing',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ 'patient.title' | t }}</h1>
    <p>{{ 'notFound.hint' | t }}</p>
  `,
})
export class PatientLanding {}
