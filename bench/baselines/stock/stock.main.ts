import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TelegrafModule } from 'nestjs-telegraf';
import { DataSource } from 'typeorm';
import { baselineEnv, exitOn } from '../env';
import { STOCK_SCHEMA_SQL, StockMessage, StockUser } from './stock.entities';
import { StockUpdate } from './stock.update';

// The stock approach: nestjs-telegraf with Telegraf's own launch() polling and TypeORM with its
// default pool (10 connections, idle ones closed after 10 s).
const env = baselineEnv();

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: env.databaseUrl,
      applicationName: env.applicationName,
      entities: [StockUser, StockMessage],
      synchronize: false,
      logging: ['error'],
    }),
    TypeOrmModule.forFeature([StockUser, StockMessage]),
    TelegrafModule.forRoot({
      token: env.token,
      options: { telegram: { apiRoot: env.apiRoot } },
      launchOptions: { allowedUpdates: ['message', 'callback_query'] },
    }),
  ],
  providers: [StockUpdate],
})
class StockModule {}

async function main(): Promise<void> {
  // Tables first: the bot starts polling as soon as the module initialises.
  const setup = new DataSource({
    type: 'postgres',
    url: env.databaseUrl,
    applicationName: env.applicationName,
  });
  await setup.initialize();
  await setup.query(STOCK_SCHEMA_SQL);
  await setup.destroy();
  const app = await NestFactory.createApplicationContext(StockModule, {
    logger: ['error', 'warn'],
  });
  exitOn(() => app.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`stock bot: ${String(error)}\n`);
  process.exit(1);
});
