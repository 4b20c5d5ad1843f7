import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { EventDeliveryMetrics } from './event-delivery-metrics';
import { WebhookDeliveryLog } from './webhook-delivery-log';
import { WebhookDelivery, WebhookDeliverySchema, WebhookEndpoint, WebhookEndpointSchema } from './webhook-endpoint.schema';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookReportController } from './webhook-report.controller';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookReplay } from './webhook-replay';
import { WebhookSender } from './webhook-sender';

/** Outbound webhooks (the API process): endpoints, their deliveries from the webhook queue, replays. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: WebhookEndpoint.name, schema: WebhookEndpointSchema },
      { name: WebhookDelivery.name, schema: WebhookDeliverySchema },
    ]),
    AuditModule, EventsModule,
  ],
  controllers: [WebhookEndpointsController, WebhookReportController],
  providers: [
    WebhookEndpointsRepository, WebhookEndpointsService, WebhookSender, WebhookDeliveryLog, WebhookDispatcher, WebhookReplay,
    EventDeliveryMetrics,
  ],
})
export class WebhookEndpointsModule {}
