import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '../common/error-message';
import { DEFAULT_LANGUAGE, isLanguage } from '../i18n/i18n.languages';
import type { MessageId } from '../i18n/i18n.messages';
import { I18nService } from '../i18n/i18n.service';
import { OutboundService } from '../outbound/outbound.service';
import { progressPercent, type Campaign, type CampaignState } from './campaign';

const HEADLINES: Record<CampaignState, MessageId> = {
  running: 'broadcast-status-running',
  paused: 'broadcast-status-paused',
  cancelled: 'broadcast-status-cancelled',
  done: 'broadcast-status-done',
};

/**
 * The admin's one status message of a campaign: its text for a state and counts, and the edit
 * that shows it, on the interactive lane (it is an answer to the admin, not part of the bulk).
 */
@Injectable()
export class CampaignStatus {
  private readonly logger = new Logger(CampaignStatus.name);

  constructor(
    private readonly i18n: I18nService,
    private readonly outbound: OutboundService,
  ) {}

  text(c: Campaign): string {
    const language = isLanguage(c.language) ? c.language : DEFAULT_LANGUAGE;
    const t = this.i18n.translator(language).t;
    return t('broadcast-status', {
      headline: t(HEADLINES[c.state], { percent: progressPercent(c) }),
      recipients: t('broadcast-recipients', { count: c.total }),
      sent: c.sent,
      blocked: c.blocked,
      failed: c.failed,
      inDoubt: c.inDoubt,
    });
  }

  /** Edits the status message to show `c`; never rejects (a lost edit is followed by the next). */
  async show(c: Campaign): Promise<void> {
    if (c.statusMessageId === null) return;
    try {
      await this.outbound.call('editMessageText', {
        chat_id: c.statusChatId,
        message_id: c.statusMessageId,
        text: this.text(c),
      });
    } catch (error) {
      // "message is not modified": a restart showing the same counts again.
      if (!/not modified/.test(errorMessage(error))) {
        this.logger.warn(`campaign ${c.id}: status not updated: ${errorMessage(error)}`);
      }
    }
  }
}
