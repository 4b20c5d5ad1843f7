import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_STATUSES, MessageStatus } from '../../lifecycle/message-status';
import { MessageRecord } from '../message.record';

export class AcceptedMessageDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718' }) id!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES, example: 'queued' }) status!: MessageStatus;
  @ApiProperty({ example: '+5511987654321' }) to!: string;
  @ApiProperty({ example: 1 }) segments!: number;
  @ApiProperty({ example: 'GSM-7', enum: ['GSM-7', 'UCS-2'] }) encoding!: string;
}

export class StatusChangeDto {
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: MessageStatus;
  @ApiProperty() at!: Date;
  @ApiPropertyOptional() detail?: string;
}

export class MessageViewDto extends AcceptedMessageDto {
  @ApiProperty({ type: String, nullable: true }) from!: string | null;
  @ApiProperty() body!: string;
  @ApiPropertyOptional() twilioSid?: string;
  @ApiPropertyOptional({ example: 21211 }) errorCode?: number;
  @ApiPropertyOptional() errorMessage?: string;
  @ApiPropertyOptional() errorDescription?: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ type: Object }) metadata?: Record<string, string>;
  @ApiProperty({ type: [StatusChangeDto] }) history!: StatusChangeDto[];
  @ApiPropertyOptional({ description: 'Scheduled send time' }) sendAt?: Date;
  @ApiPropertyOptional({ description: 'Batch this message was accepted in' }) batchId?: string;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageViewDto] }) items!: MessageViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** What clients see of a message: internal bookkeeping (createdBy, producerId) stays inside. */
export function toMessageView(message: MessageRecord): MessageViewDto {
  const { createdBy: _createdBy, requestId: _requestId, producerId: _producerId, ...view } = message;
  return view;
}

export function toAccepted(message: MessageRecord): AcceptedMessageDto {
  const { id, status, to, segments, encoding } = message;
  return { id, status, to, segments, encoding };
}
