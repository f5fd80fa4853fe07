import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { UserEntity } from './user.entity';
import { LanguagePreferenceService } from './language-preference.service';

/** A repository whose reload query answers when the test says so. */
function fakeUsers() {
  const loads: ((rows: unknown[]) => void)[] = [];
  const failures: ((error: Error) => void)[] = [];
  const writes: unknown[][] = [];
  const repository = {
    query: (sql: string, params?: unknown[]) => {
      if (sql.startsWith('INSERT')) {
        writes.push(params!);
        return Promise.resolve([]);
      }
      return new Promise((resolve, reject) => {
        loads.push(resolve);
        failures.push(reject);
      });
    },
  } as unknown as Repository<UserEntity>;
  return { repository, loads, failures, writes };
}

describe('LanguagePreferenceService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('serves the choices loaded at boot and those stored since, from memory', async () => {
    const users = fakeUsers();
    const service = new LanguagePreferenceService(users.repository);
    const boot = service.onApplicationBootstrap();
    users.loads[0]([{ id: '7', preferred_language: 'ru' }]);
    await boot;
    await service.set(8, 'en');
    expect([service.get(7), service.get(8), service.get(9)]).toEqual(['ru', 'en', null]);
    expect(users.writes).toEqual([[8, 'en']]);
    await service.beforeApplicationShutdown();
  });

  it('keeps a choice stored while a reload was reading an older snapshot', async () => {
    const users = fakeUsers();
    const service = new LanguagePreferenceService(users.repository);
    const boot = service.onApplicationBootstrap();
    await service.set(5, 'ru');
    users.loads[0]([{ id: '6', preferred_language: 'en' }]);
    await boot;
    expect([service.get(5), service.get(6)]).toEqual(['ru', 'en']);
    await service.beforeApplicationShutdown();
  });

  it('keeps the choices it holds when a reload fails', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const users = fakeUsers();
    const service = new LanguagePreferenceService(users.repository);
    const boot = service.onApplicationBootstrap();
    users.failures[0](new Error('connection refused'));
    await expect(boot).resolves.toBeUndefined();
    await service.set(5, 'ru');
    expect(service.get(5)).toBe('ru');
    await service.beforeApplicationShutdown();
  });
});
