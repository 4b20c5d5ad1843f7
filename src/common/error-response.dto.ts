import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The JSON body of every error answer. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code' })
  code!: string;

  @ApiProperty({ example: 'body must be shorter than or equal to 1600 characters' })
  message!: string;

  @ApiPropertyOptional({ example: '5f0c6c1e-8d7e-4d6b-9a51-0f8f4c1f3a2b' })
  requestId?: string;

  @ApiPropertyOptional({ type: [String], example: ['property foo should not exist'] })
  errors?: string[];
}
