import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { allConfigs } from './app.config';

/** Typed, validated configuration for every module; the environment is the only source. */
@Global()
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs, cache: true }),
  ],
})
export class AppConfigModule {}
