import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { UserEntity } from './user.entity';
import { UserPreferencesService } from './user-preferences.service';

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

describe('UserPreferencesService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('serves the choices loaded at boot and those stored since, from memory', async () => {
    const users = fakeUsers();
    const service = new UserPreferencesService(users.repository);
    const boot = service.onApplicationBootstrap();
    users.loads[0]([{ id: '7', preferred_language: 'ru' }]);
    await boot;
    await service.save(8, { language: 'en' });
    expect([service.language(7), service.language(8), service.language(9)]).toEqual([
      'ru',
      'en',
      null,
    ]);
    expect(users.writes).toEqual([[8, 'en', null]]);
    await service.beforeApplicationShutdown();
  });

  it('keeps the language when only the display name changes, and the reverse', async () => {
    const users = fakeUsers();
    const service = new UserPreferencesService(users.repository);
    const boot = service.onApplicationBootstrap();
    users.loads[0]([{ id: '7', preferred_language: 'ru', display_name: null }]);
    await boot;
    await service.save(7, { displayName: 'Ann' });
    await service.save(8, { displayName: 'Bob' });
    await service.save(8, { language: 'en' });
    expect([service.language(7), service.displayName(7)]).toEqual(['ru', 'Ann']);
    expect([service.language(8), service.displayName(8)]).toEqual(['en', 'Bob']);
    expect(service.displayName(9)).toBeNull();
    await service.beforeApplicationShutdown();
  });

  it('keeps a choice stored while a reload was reading an older snapshot', async () => {
    const users = fakeUsers();
    const service = new UserPreferencesService(users.repository);
    const boot = service.onApplicationBootstrap();
    await service.save(5, { language: 'ru' });
    users.loads[0]([{ id: '6', preferred_language: 'en' }]);
    await boot;
    expect([service.language(5), service.language(6)]).toEqual(['ru', 'en']);
    await service.beforeApplicationShutdown();
  });

  it('keeps the choices it holds when a reload fails', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const users = fakeUsers();
    const service = new UserPreferencesService(users.repository);
    const boot = service.onApplicationBootstrap();
    users.failures[0](new Error('connection refused'));
    await expect(boot).resolves.toBeUndefined();
    await service.save(5, { language: 'ru' });
    expect(service.language(5)).toBe('ru');
    await service.beforeApplicationShutdown();
  });
});
