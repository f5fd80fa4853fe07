import { TestEnvironment } from 'jest-environment-node';
import { runningChildren } from './child-processes';

/**
 * The e2e specs' environment: after a spec file, every child it left running (a service that
 * hung on SIGTERM, a helper an aborted hook never stopped) is killed, and the file fails naming
 * them. A live child would otherwise keep Jest from ever exiting.
 */
export default class E2eEnvironment extends TestEnvironment {
  override async teardown(): Promise<void> {
    const left = [...runningChildren(this.global)];
    for (const child of left) child.kill('SIGKILL');
    await super.teardown();
    if (left.length)
      throw new Error(
        `killed ${left.length} child process(es) left running: ${left.map((c) => c.spawnfile).join(', ')}`,
      );
  }
}
