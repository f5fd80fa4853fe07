import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The language a user picked in the bot (null: follow Telegram's language_code). */
export class UserPreferredLanguage1765100000000 implements MigrationInterface {
  name = 'UserPreferredLanguage1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "preferred_language" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "preferred_language"`);
  }
}
