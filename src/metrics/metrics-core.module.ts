import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module';
import { Message, MessageSchema } from '../messages/message.schema';
import { AuditMetricsListener } from './audit-metrics.listener';
import { FinalStatusObserver } from './final-status-observer';
import { MetricsRegistry } from './metrics-registry';
import { MetricsRepository } from './metrics.repository';
import { SmsMetrics } from './sms-metrics';
import { WebhookMetrics } from './webhook-metrics';

/**
 * What both processes count. Global so the Twilio provider can time its calls without the SMS
 * module importing metrics; each Nest application (API, worker) gets its own registry.
 */
@Global()
@Module({
  imports: [AuditModule, MongooseModule.forFeature([{ name: Message.name, schema: MessageSchema }])],
  providers: [MetricsRegistry, SmsMetrics, WebhookMetrics, MetricsRepository, FinalStatusObserver, AuditMetricsListener],
  exports: [MetricsRegistry, SmsMetrics, WebhookMetrics],
})
export class MetricsCoreModule {}
