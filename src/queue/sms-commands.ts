import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsMongoId, IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsSafeMetadata } from '../common/safe-metadata.validator';
import { StatusCallbackField } from '../webhook-endpoints/status-callback.field';
import { SendHint } from './send-hint';
import { PriorityField, Priority } from '../lanes/priority';
import { ExpiresAtField, SmartEncodingField, ValidForField } from '../send-timing/timing-fields';

/** Every pattern on the SMS queue. The wire format is Nest's RMQ event: {"pattern", "data"}. */
export enum SmsPattern {
  Send = 'sms.send',
  /** Internal: what the deserializer turns an unreadable or unknown command into. */
  Unprocessable = 'sms.unprocessable',
}

const isProducerForm = (command: SendSmsCommand) => command.messageId === undefined;

/**
 * `data` of an `sms.send` event. Either `messageId` (a message the API already stored), or the
 * message itself from an external producer: `to` and `body`, with an optional `producerId` that
 * makes a repeated command a no-op.
 */
export class SendSmsCommand {
  @ApiPropertyOptional({ description: 'Id of a message stored by the API' })
  @ValidateIf((command: SendSmsCommand) => !isProducerForm(command) || command.to === undefined)
  @IsMongoId({ message: 'messageId must be a mongodb id (or send "to" and "body" instead)' })
  messageId?: string;

  @ApiPropertyOptional({ example: '+5511987654321' })
  @ValidateIf(isProducerForm) @IsString() @Length(3, 32)
  to?: string;

  @ApiPropertyOptional({ example: 'Your order has shipped' })
  @ValidateIf(isProducerForm) @IsString() @Length(1, 1600)
  body?: string;

  @ApiPropertyOptional()
  @ValidateIf(isProducerForm) @IsOptional() @IsString() @Length(3, 32)
  from?: string;

  @ApiPropertyOptional({ description: "The producer's own id for this message; a repeat is not sent twice" })
  @ValidateIf(isProducerForm) @IsOptional() @IsString() @Length(1, 128)
  producerId?: string;

  @ApiPropertyOptional({ example: '6650f1c2a1b2c3d4e5f60718', description: 'The project the message belongs to (GET /v1/projects); left out: the root project. An unknown one parks the command' })
  @ValidateIf(isProducerForm) @IsOptional() @IsString() @Matches(/^(root|[0-9a-f]{24})$/, { message: 'projectId must be root or a project id (24 hex characters)' })
  projectId?: string;

  @ApiPropertyOptional({ type: Object })
  @ValidateIf(isProducerForm) @IsOptional() @IsObject() @IsSafeMetadata()
  metadata?: Record<string, string>;

  @ValidateIf(isProducerForm) @StatusCallbackField()
  statusCallback?: string;

  @ValidateIf(isProducerForm) @ValidForField('from when NotifyX takes the command')
  validFor?: number;

  /** A time already past when the command is taken is not refused: the message is stored and ends `expired`. */
  @ValidateIf(isProducerForm) @ExpiresAtField()
  expiresAt?: Date;

  @ValidateIf(isProducerForm) @SmartEncodingField('SMART_ENCODING')
  smartEncoding?: boolean;

  /** Both forms: NotifyX sets it on the commands it publishes for stored messages, as the queue it picks says. */
  @PriorityField('the lane of the queue it was published to (the send queue: normal)')
  priority?: Priority;

  @ApiPropertyOptional({ description: 'Set by NotifyX itself on commands for stored messages (signed); producers leave it out' })
  @ValidateIf((command: SendSmsCommand) => !isProducerForm(command)) @IsOptional() @ValidateNested() @Type(() => SendHint)
  stored?: SendHint;

  @ApiPropertyOptional({ description: 'Request id that follows the message across systems' })
  @IsOptional() @IsString() @MaxLength(128)
  requestId?: string;
}

export interface UnprocessableCommand {
  reason: string;
  pattern?: unknown;
  /** Set when the command names a stored message, so parking it is audited on that message. */
  command?: { messageId: string; requestId?: string };
}
