import { ApiProperty } from '@nestjs/swagger';

export class QueueStatsDto {
  @ApiProperty({ example: 'notifyx.sms' }) queue!: string;
  @ApiProperty({ enum: ['main', 'lane', 'retry', 'dead'], description: 'main: send commands (the normal lane); lane: the high and low lanes; retry: waiting for a retry; dead: parked' })
  role!: 'main' | 'lane' | 'retry' | 'dead';

  @ApiProperty({ description: 'Messages ready in the queue (not those a worker holds unacked)' }) messages!: number;
  @ApiProperty({ description: 'Consumers (worker channels) on the queue' }) consumers!: number;
}

export class QueueSnapshotDto {
  @ApiProperty({ description: 'When RabbitMQ was asked; answers are reused for 5 s' }) at!: Date;
  @ApiProperty({ description: 'False when RabbitMQ could not be reached (queues is then empty)' }) up!: boolean;
  @ApiProperty({ type: [QueueStatsDto], description: 'Queues that exist, in the order main, retry levels, dead' }) queues!: QueueStatsDto[];
}
