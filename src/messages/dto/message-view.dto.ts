import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MESSAGE_STATUSES, MessageStatus } from '../../lifecycle/message-status';
import { MessageRecord } from '../message.record';

export class SmartEncodingResultDto {
  @ApiProperty({ example: 2, description: 'Segments the text would have cost as written' }) segmentsBefore!: number;
  @ApiProperty({ example: 'UCS-2', enum: ['GSM-7', 'UCS-2'] }) encodingBefore!: string;
  @ApiProperty({ example: 3, description: 'Characters replaced by their GSM-7 equivalents' }) replaced!: number;
}

export class AcceptedMessageDto {
  @ApiProperty({ example: '6650f1c2a1b2c3d4e5f60718' }) id!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES, example: 'queued' }) status!: MessageStatus;
  @ApiProperty({ example: '+5511987654321' }) to!: string;
  @ApiProperty({ example: 1 }) segments!: number;
  @ApiProperty({ example: 'GSM-7', enum: ['GSM-7', 'UCS-2'] }) encoding!: string;
  @ApiPropertyOptional({ type: SmartEncodingResultDto, description: 'Set when smart encoding was on: `segments` and `encoding` are after it' })
  smartEncoding?: SmartEncodingResultDto;
  @ApiPropertyOptional({ description: 'When it goes out, if not at once: the requested sendAt, or the end of the recipient\'s quiet hours it fell in' })
  sendAt?: Date;
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
  @ApiPropertyOptional({ description: 'Where this message\'s events are posted', example: 'https://orders.example.com/sms-status' }) statusCallback?: string;
  @ApiProperty({ type: [StatusChangeDto] }) history!: StatusChangeDto[];
  @ApiPropertyOptional({ description: 'Not handed to Twilio by then, it ends `expired`' }) expiresAt?: Date;
  @ApiPropertyOptional({ enum: ['high', 'normal', 'low'], example: 'normal', description: 'The lane it waits in; absent on messages stored before lanes existed (normal)' }) priority?: 'high' | 'normal' | 'low';
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
  const { id, status, to, segments, encoding, smartEncoding, sendAt } = message;
  return { id, status, to, segments, encoding, ...(smartEncoding ? { smartEncoding } : {}), ...(sendAt ? { sendAt } : {}) };
}
