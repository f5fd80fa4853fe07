import { atMostEvery } from './at-most-every';

describe('atMostEvery', () => {
  it('opens once, then not again until the interval has passed', () => {
    let now = 1_000;
    const gate = atMostEvery(30_000, () => now);
    expect(gate()).toBe(true);
    now += 29_999;
    expect(gate()).toBe(false);
    now += 1;
    expect(gate()).toBe(true);
    expect(gate()).toBe(false);
  });
});
