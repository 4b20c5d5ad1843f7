import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../common/omittable';

/** `statusCallback` on a single send, a bulk send and a producer command: one definition for all three. */
export function StatusCallbackField(description = 'This message\'s events (message.sent, .delivered, .failed…) are posted here, signed like webhook endpoints\' (with STATUS_CALLBACK_SECRET)') {
  return applyDecorators(
    ApiPropertyOptional({ example: 'https://orders.example.com/sms-status', description: `${description}; https on a public address outside sandbox mode` }),
    IsOmittable(), IsString(), MaxLength(2048),
  );
}
