import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The fields of Twilio's message status callback that NotifyX reads; Twilio sends more. */
export class StatusCallbackDto {
  @ApiProperty({ example: 'SM0123456789abcdef0123456789abcdef' }) MessageSid!: string;
  @ApiProperty({ example: 'delivered' }) MessageStatus!: string;
  @ApiPropertyOptional({ example: '30003' }) ErrorCode?: string;
}
