import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE_NAME = 'replica-id';

/**
 * A replica's name for itself that survives its restarts: kept in DATA_DIR beside the intake
 * journal, because "this replica" means "the owner of this journal" (a restart with the same
 * DATA_DIR replays the journal and must recognise the updates it claimed).
 */
export class ReplicaIdentity {
  readonly id: string;

  constructor(dataDir: string) {
    this.id = ReplicaIdentity.readOrCreate(dataDir);
  }

  private static readOrCreate(dataDir: string): string {
    const path = join(dataDir, FILE_NAME);
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (/^[\w-]{8,64}$/.test(id)) return id;
    } catch {
      // absent: first start with this DATA_DIR
    }
    const id = randomUUID();
    try {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(path, `${id}\n`);
    } catch {
      // A read-only DATA_DIR (no journal to replay): a name for this run is all that is needed.
    }
    return id;
  }
}
