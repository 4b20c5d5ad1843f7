import { Controller, Get } from '@nestjs/common';
import { Transport } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, MicroserviceHealthIndicator, MongooseHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/api-key.guard';
import { AppConfig } from '../config/app-config';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly microservice: MicroserviceHealthIndicator,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Reports MongoDB and RabbitMQ; 503 when either is down' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.mongoose.pingCheck('mongodb', { timeout: 2000 }),
      () => this.microservice.pingCheck('rabbitmq', { transport: Transport.RMQ, options: { urls: [this.config.rabbit.url] }, timeout: 3000 }),
    ]);
  }
}
