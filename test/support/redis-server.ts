import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { trackChild } from './child-processes';

/**
 * A private `redis-server` on a given port, for tests that stop and start Redis (never the
 * shared one on 6379). Nothing is persisted: a restart comes back empty, like a failover.
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly extraArgs: string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // The readiness probe below would take another process's server on the port for this one.
    if (await listening(this.port))
      throw new Error(`port ${this.port} is already in use: not starting redis-server`);
    const child = trackChild(
      spawn(
        'redis-server',
        [
          '--port',
          String(this.port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
        ].concat(this.extraArgs),
        { stdio: 'ignore' },
      ),
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      const probe = () => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', () => {
          socket.destroy();
          if (child.exitCode !== null) reject(new Error(`redis-server exited (${child.exitCode})`));
          else setTimeout(probe, 50);
        });
      };
      probe();
    });
  }

  /** Stops the server and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
