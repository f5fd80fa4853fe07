import { Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from './database.health';

/** A DataSource whose `SELECT 1` is counted and answers as the test says. */
function database() {
  const state = { queries: 0, fail: null as Error | null };
  const dataSource = {
    query: () => {
      state.queries++;
      return state.fail ? Promise.reject(state.fail) : Promise.resolve([{ '?column?': 1 }]);
    },
  } as unknown as DataSource;
  return {
    state,
    indicator: new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource),
  };
}

describe('DatabaseHealthIndicator', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers a flood of probes with one ping per second', async () => {
    const { state, indicator } = database();

    const answers = await Promise.all(Array.from({ length: 100 }, () => indicator.isHealthy()));

    expect(state.queries).toBe(1);
    expect(answers.every((a) => a.database.status === 'up')).toBe(true);
  });

  it('says why it is down with a code, never the error text', async () => {
    const { state, indicator } = database();
    state.fail = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432'), {
      code: 'ECONNREFUSED',
    });

    const answer = await indicator.isHealthy();

    expect(answer).toEqual({ database: { status: 'down', code: 'unreachable' } });
    expect(indicator.lastError?.message).toContain('ECONNREFUSED');
  });

  it('pings again at the next probe after a failure, so a recovery shows at once', async () => {
    const { state, indicator } = database();
    state.fail = new Error('boom');
    await indicator.isHealthy();
    state.fail = null;

    await expect(indicator.isHealthy()).resolves.toMatchObject({ database: { status: 'up' } });
    expect(state.queries).toBe(2);
  });
});
