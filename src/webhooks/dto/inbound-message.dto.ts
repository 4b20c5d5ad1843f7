import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The fields of Twilio's incoming-message webhook that NotifyX reads; Twilio sends many more. */
export class InboundMessageDto {
  @ApiProperty({ example: '+5511987654321', description: 'The sender' }) From!: string;
  @ApiProperty({ example: '+15005550006', description: 'Our number' }) To!: string;
  @ApiProperty({ example: 'STOP' }) Body!: string;
  @ApiPropertyOptional({ example: 'SM0123456789abcdef0123456789abcdef' }) MessageSid?: string;
}
