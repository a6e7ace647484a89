import { ApiError, NETWORK_ERROR_CODE } from '../shared/api-error';
import { billingErrorMessage } from './billing-messages';

describe('billingErrorMessage', () => {
  it('maps each billing code to its text, with the maximum', () => {
    expect(billingErrorMessage(new ApiError(400, 'AMOUNT_TOO_LARGE', 'x'), { maxText: '500,00 €' })).toEqual({ key: 'billing.error.AMOUNT_TOO_LARGE', params: { max: '500,00 €', code: 'AMOUNT_TOO_LARGE' } });
    expect(billingErrorMessage('AMOUNT_INVALID').key).toBe('billing.error.AMOUNT_INVALID');
    expect(billingErrorMessage(new ApiError(429, 'RESEND_LIMIT', 'x')).key).toBe('billing.error.RESEND_LIMIT');
    expect(billingErrorMessage(new ApiError(410, 'TELECONSULTATION_CANCELLED', 'x')).key).toBe('billing.error.TELECONSULTATION_CANCELLED');
  });

  it('falls back on network, session, server and unknown errors', () => {
    expect(billingErrorMessage(new ApiError(0, NETWORK_ERROR_CODE, 'x')).key).toBe('error.network');
    expect(billingErrorMessage(new ApiError(401, 'SESSION_REQUIRED', 'x')).key).toBe('error.unauthorized');
    expect(billingErrorMessage(new ApiError(500, 'INTERNAL', 'x')).key).toBe('error.server');
    expect(billingErrorMessage(new ApiError(404, 'SOMETHING', 'x'))).toEqual({ key: 'error.unknown', params: { code: 'SOMETHING' } });
    expect(billingErrorMessage(new Error('bug')).key).toBe('error.unknown');
  });
});
