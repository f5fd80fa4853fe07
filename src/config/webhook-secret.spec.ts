import { deriveWebhookSecret, WEBHOOK_SECRET_PATTERN } from './webhook-secret';

describe('deriveWebhookSecret', () => {
  it('is the same for one token, different for another, and a valid Telegram secret', () => {
    const a = deriveWebhookSecret('123:AAA-token');
    expect(deriveWebhookSecret('123:AAA-token')).toBe(a);
    expect(deriveWebhookSecret('123:AAB-token')).not.toBe(a);
    expect(a).toMatch(WEBHOOK_SECRET_PATTERN);
    expect(a).not.toContain('AAA-token');
  });
});
