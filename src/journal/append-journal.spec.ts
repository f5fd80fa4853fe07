import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendJournal, type JournalCodec } from './append-journal';

const text: JournalCodec<string> = { encode: (s) => s, decode: (s) => s };

describe('AppendJournal (fsync everysec)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'append-journal-spec-'))));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a failing fdatasync once, not at every second’s retry, and keeps retrying', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const journal = new AppendJournal(dir, 'test', text, 'everysec');
    await journal.open();
    journal.append('a record', 1);
    await journal.sync(); // written to the OS; its fdatasync is left to the timer
    const handle = (journal as unknown as { segments: { handle: { datasync(): Promise<void> } }[] })
      .segments[0].handle;
    const datasync = jest.spyOn(handle, 'datasync').mockRejectedValue(new Error('EIO: i/o error'));

    for (let second = 0; second < 5; second++) await jest.advanceTimersByTimeAsync(1000);

    expect(datasync).toHaveBeenCalledTimes(5);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0][0]).toContain('test journal fdatasync failed: EIO: i/o error');

    datasync.mockRestore();
    jest.useRealTimers();
    await journal.close(true);
  });
});
