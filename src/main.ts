import { tuneHeapForBoot } from './common/heap-tuning';

/**
 * Entry point (`node dist/main.js`, `nest start`, the Docker image). Only the heap tuning is
 * imported up front: it has to be in place before the framework and its dependencies load, which
 * is most of what boot allocates. The app itself is in bootstrap.ts (tests use createApp there).
 */
if (require.main === module) {
  tuneHeapForBoot();
  void import('./bootstrap').then(({ main }) => main());
}
