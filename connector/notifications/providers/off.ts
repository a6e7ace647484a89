/**
 * A channel with neither a provider nor the dev outbox (production without SendGrid or
 * Twilio): its messages are skipped with the reason `channel_off` before any sending, and
 * these stand-ins make sure nothing is ever handed anywhere if one got this far.
 */
import type { EmailProvider, SmsProvider } from './types.ts';

const refuse = async (): Promise<never> => {
  throw new Error('this channel is off: no provider is configured');
};

/** Email, off. */
export const offEmailProvider: EmailProvider = { name: 'off', off: true, sendEmail: refuse };

/** SMS, off. */
export const offSmsProvider: SmsProvider = { name: 'off', off: true, sendSms: refuse };
