/** DataSource for the TypeORM CLI (`npm run migration:*`): the same options the app uses. */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseConfig } from './src/config/app.config';
import { buildDataSourceOptions } from './src/database/data-source.options';

export default new DataSource({
  ...buildDataSourceOptions(databaseConfig()),
  migrations: ['src/database/migrations/*.ts'],
});
