import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which recipients of a campaign's batch in progress (`in_flight`) have been sent to, each
 * recorded just before its message goes out: after a crash only those are in doubt, and the rest
 * of the batch is sent by the next holder.
 */
export class CampaignAttempts1765420000000 implements MigrationInterface {
  name = 'CampaignAttempts1765420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "broadcast_campaigns" ADD COLUMN "attempted" bigint[]`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "broadcast_campaigns" DROP COLUMN "attempted"`);
  }
}
