import { FloodControl, TELEGRAM_FLOOD_LIMITS } from './flood-control';

describe('FloodControl', () => {
  it('admits a burst of 3 into a private chat, then 1 per second, with retry_after', () => {
    const flood = new FloodControl(() => TELEGRAM_FLOOD_LIMITS);
    const t = 1_000_000;
    expect([0, 1, 2].map((i) => flood.admit(1, false, t + i))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(flood.admit(1, false, t + 3)).toBe(1);
    expect(flood.admit(1, false, t + 1010)).toBeUndefined();
    expect(flood.admit(1, false, t + 1011)).toBe(1);
  });

  it('tolerates a send that arrives up to 50 ms early on the pace (network jitter)', () => {
    const flood = new FloodControl(() => ({ globalPerSecond: 30, chatPerSecond: 1 }));
    expect(flood.admit(1, false, 0)).toBeUndefined();
    expect(flood.admit(1, false, 940)).toBe(1);
    expect(flood.admit(1, false, 960)).toBeUndefined();
  });

  it('refuses the 31st message in a second over all chats', () => {
    const flood = new FloodControl(() => TELEGRAM_FLOOD_LIMITS);
    const t = 1_000_000;
    for (let chat = 1; chat <= 30; chat++) expect(flood.admit(chat, false, t)).toBeUndefined();
    expect(flood.admit(31, false, t + 500)).toBe(1);
    expect(flood.admit(31, false, t + 1000)).toBeUndefined();
  });

  it('refuses the 21st message in a minute to a group until the oldest is a minute old', () => {
    const flood = new FloodControl(() => TELEGRAM_FLOOD_LIMITS);
    const t = 1_000_000;
    for (let i = 0; i < 20; i++) expect(flood.admit(-5, true, t + i * 1000)).toBeUndefined();
    expect(flood.admit(-5, true, t + 20_000)).toBe(40);
    expect(flood.admit(-5, true, t + 60_000)).toBeUndefined();
  });

  it('admits everything when the limits are off', () => {
    const flood = new FloodControl(() => null);
    for (let i = 0; i < 100; i++) expect(flood.admit(1, false, 0)).toBeUndefined();
  });
});
