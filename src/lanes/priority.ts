import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsOmittable } from '../common/omittable';

/** The lanes a message can wait in, most urgent first (src/lanes/lane-scheduler.ts serves them). */
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

/**
 * The `priority` field, declared once for every way in (single sends, bulk, producer commands), so
 * its validation and Swagger text cannot drift apart. `fallback` says what an unset one means there.
 */
export const PriorityField = (fallback: string) => applyDecorators(
  ApiPropertyOptional({
    enum: PRIORITIES, example: 'high',
    description: 'The lane it waits in: `high` (codes, alerts) goes out next, ahead of `normal` and `low`, within the same send pace ' +
      `(TWILIO_MAX_MPS); \`low\` is slowed while others wait, never stopped (README, "Priority lanes"). Unset: ${fallback}`,
  }),
  IsOmittable(), IsIn(PRIORITIES, { message: `priority must be one of: ${PRIORITIES.join(', ')}` }),
);

/** `{priority}` for a command, left out for the normal lane (the send queue), as commands were before lanes. */
export function laneField(priority: Priority | undefined): { priority?: Priority } {
  return priority && priority !== 'normal' ? { priority } : {};
}
