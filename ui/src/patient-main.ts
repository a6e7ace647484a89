// The patient's light entry (`/app/patient/…`): the patient page without the router or the
// practitioner's code; the practitioner's app starts from main.ts.
import { bootstrapApplication } from '@angular/platform-browser';
import { PatientApp, patientConfig } from './app/patient/patient-app';

bootstrapApplication(PatientApp, patientConfig).catch((error: unknown) => console.error(error));
