import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';

/**
 * Creates the relay's index once, from the API only: Mongoose's autoIndex would have every
 * process (each worker, each test app) send its createIndexes at start, and FerretDB holds a
 * PostgreSQL connection per such command (seen: its pool exhausted by starting processes).
 */
@Injectable()
export class EventIndexSetup implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventIndexSetup.name);

  constructor(private readonly audit: AuditService) {}

  /** Not awaited: an index build on a busy store must not hold up the API's start (nothing needs it at once). */
  onApplicationBootstrap(): void {
    void this.audit.ensureEventIndex().catch((error: unknown) => this.logger.warn({ err: String(error) }, 'event index not created; the relay scans'));
  }
}
