import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

/** The attempt log's index, created once by the API at start rather than by every process's autoIndex (see EventIndexSetup). */
@Injectable()
export class WebhookStoreSetup implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookStoreSetup.name);

  constructor(private readonly repository: WebhookEndpointsRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.repository.ensureIndexes().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'webhook delivery index not created'));
  }
}
