/** The shape a language file fills for each kind: what the email and the SMS say. */
import type { FormattedMoment } from './format.ts';
import type { MessageKind } from './types.ts';

/** Everything a language file may quote, already formatted and cleaned (plain text, not escaped). */
export interface CopyContext {
  firstName: string;
  practitioner: string;
  clinic: string | undefined;
  at: FormattedMoment;
  previous: FormattedMoment | undefined;
  /** Formatted amount, e.g. "35,00 €". */
  amount: string | undefined;
  patientUrl: string | undefined;
  paymentUrl: string | undefined;
  documentsUrl: string | undefined;
}

/** A link inside an SMS: kept byte for byte (no GSM-7 substitution). */
export interface SmsLink {
  url: string;
}

/** An SMS as text pieces and links. */
export type SmsParts = ReadonlyArray<string | SmsLink>;

/** What one message says, in one language. */
export interface MessageCopy {
  subject: string;
  /** Short summary shown by mail clients next to the subject. */
  preheader: string;
  paragraphs: string[];
  /** Buttons, in order; each also printed as a plain link. */
  actions: Array<{ label: string; url: string }>;
  /** Smaller print after the buttons (practical advice). */
  notes: string[];
  /** SMS wordings from the richest to the shortest; the first that fits 2 segments is sent. */
  sms: SmsParts[];
}

/** The fixed words of a language around the messages. */
export interface LanguageFrame {
  htmlLang: string;
  /** A colon as the language writes it (" :" in French, ":" in English). */
  colon: string;
  greeting(firstName: string): string;
  closing: string;
  /** Fallback line for a button whose link cannot be clicked. */
  linkFallback: string;
  footer(sender: string): string;
}

/** A language: its frame and one writer per kind. */
export interface LanguagePack {
  frame: LanguageFrame;
  kinds: Record<MessageKind, (c: CopyContext) => MessageCopy>;
}

/** Marks a URL in an SMS. */
export function link(url: string): SmsLink {
  return { url };
}

/** A variable `renderMessage` has already checked; throws if that promise was broken. */
export function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('template variable unexpectedly missing');
  return value;
}
