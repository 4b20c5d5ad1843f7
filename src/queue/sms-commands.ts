import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsMongoId, IsOptional, IsString, MaxLength } from 'class-validator';

/** Every pattern on the SMS queue. The wire format is Nest's RMQ event: {"pattern", "data"}. */
export enum SmsPattern {
  Send = 'sms.send',
  /** Internal: what the deserializer turns an unreadable or unknown command into. */
  Unprocessable = 'sms.unprocessable',
}

/** `data` of an `sms.send` event: the message to deliver, already stored by the API. */
export class SendSmsCommand {
  @ApiProperty({ description: 'Id of a stored message' })
  @IsMongoId()
  messageId!: string;

  @ApiPropertyOptional({ description: 'Request id of the API call that accepted the message' })
  @IsOptional() @IsString() @MaxLength(128)
  requestId?: string;
}

export interface UnprocessableCommand {
  reason: string;
  pattern?: unknown;
}
