/** The vocabulary of the journey's messages: kinds, variables, rendered output, errors. */

/** Every message of the teleconsultation journey. */
export const MESSAGE_KINDS = [
  'confirmation', 'reminder', 'invitation', 'rescheduled', 'cancellation', 'ended', 'payment_request', 'payment_reminder',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Languages we write in; French is the default. */
export type Language = 'fr' | 'en';

/** A sum of money in minor units (cents), with its ISO 4217 currency. */
export interface Amount {
  value: number;
  currency: string;
}

/** What a message may say. Which ones a kind requires is in `REQUIRED_VARIABLES`. */
export interface MessageVars {
  patientFirstName: string;
  /** As the patient should read it, e.g. "Dr Marie Martin". */
  practitionerName: string;
  clinicName?: string;
  startsAt: Date;
  /** IANA zone of the practitioner (e.g. "Europe/Paris"); every time is shown in it. */
  timezone: string;
  /** The patient's waiting-room link. */
  patientUrl?: string;
  paymentUrl?: string;
  amount?: Amount;
  /** Link to download the documents shared during the teleconsultation. */
  documentsUrl?: string;
  /** The former start, for `rescheduled`. */
  previousStartsAt?: Date;
}

/** Variables each kind cannot do without (beyond the always-required ones). */
export const REQUIRED_VARIABLES: Readonly<Record<MessageKind, readonly (keyof MessageVars)[]>> = {
  confirmation: ['patientUrl'],
  reminder: ['patientUrl'],
  invitation: ['patientUrl'],
  rescheduled: ['patientUrl'],
  cancellation: [],
  ended: [],
  payment_request: ['paymentUrl', 'amount'],
  payment_reminder: ['paymentUrl', 'amount'],
};

/** Variables every kind needs. */
export const ALWAYS_REQUIRED: readonly (keyof MessageVars)[] = ['patientFirstName', 'practitionerName', 'startsAt', 'timezone'];

/** One message, ready for both channels. */
export interface RenderedMessage {
  email: { subject: string; html: string; text: string };
  /** GSM-7 where possible, at most 2 segments for links of ordinary length. */
  sms: string;
}

export type TemplateErrorCode = 'TEMPLATE_VARIABLE_MISSING' | 'TEMPLATE_VARIABLE_INVALID' | 'TEMPLATE_KIND_UNKNOWN';

/** A message that cannot be written. The message names the kind and variable, never its value. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly code: TemplateErrorCode;
  readonly kind: string;
  readonly variable: string | undefined;

  constructor(code: TemplateErrorCode, kind: string, variable: string | undefined, message: string) {
    super(message);
    this.code = code;
    this.kind = kind;
    this.variable = variable;
  }
}
