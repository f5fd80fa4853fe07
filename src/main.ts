import { main } from './bootstrap';

/**
 * Entry point (`node dist/main.js`, `nest start`, the Docker image); the app itself is in
 * bootstrap.ts, where tests create it with createApp.
 */
if (require.main === module) main();
