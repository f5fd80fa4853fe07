/** DataSource for the TypeORM CLI (`npm run migration:*`): the same options the app uses. */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { toDatabaseConfig } from './src/config/app.config';
import { validateDatabaseEnv } from './src/config/env.validation';
import { buildDataSourceOptions } from './src/database/data-source.options';

// Only the database variables are needed here: no bot token to run migrations. The CLI awaits an
// exported promise of a DataSource.
export default buildDataSourceOptions(toDatabaseConfig(validateDatabaseEnv(process.env))).then(
  (options) => new DataSource({ ...options, migrations: ['src/database/migrations/*.ts'] }),
);
