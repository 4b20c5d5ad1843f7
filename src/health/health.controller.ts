import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, MongooseHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/api-key.guard';
import { QueueInspector } from '../metrics/queue-inspector';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly queues: QueueInspector,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Reports MongoDB and RabbitMQ; 503 when either is down' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.mongoose.pingCheck('mongodb', { timeout: 2000 }),
      () => this.rabbitmq(),
    ]);
  }

  /** Over the queue inspector's one connection, its answer cached for a few seconds: cheap to poll. */
  private async rabbitmq() {
    const indicator = this.indicators.check('rabbitmq');
    const { up } = await this.queues.snapshot();
    return up ? indicator.up() : indicator.down({ message: 'RabbitMQ is unreachable' });
  }
}
