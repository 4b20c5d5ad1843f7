import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** A signing secret; an old one is kept until `expiresAt` after a roll, and both sign meanwhile. */
export interface SigningSecret {
  secret: string;
  createdAt: Date;
  expiresAt?: Date;
}

/**
 * No index and no autoCreate: the few endpoints are read whole (cached per process), and the first
 * insert creates the collection, so starting processes send FerretDB no `create` of their own.
 */
@Schema({ collection: 'webhook_endpoints', versionKey: false, timestamps: true, autoCreate: false, autoIndex: false })
export class WebhookEndpoint {
  @Prop({ required: true }) url!: string;
  @Prop({ type: [String], required: true }) eventTypes!: string[];
  @Prop({ required: true }) enabled!: boolean;
  @Prop() description?: string;
  @Prop({ type: [Object], required: true }) secrets!: SigningSecret[];
  /** Why it was disabled by NotifyX (failing for WEBHOOK_DISABLE_AFTER_MS); unset when enabled again. */
  @Prop() disabledReason?: string;
  /** Since when every delivery to it has failed; unset by the next success. */
  @Prop() failingSince?: Date;
  @Prop() createdBy?: string;
  /** The project of the key that made it; missing: the root project (src/common/request-context.ts). */
  @Prop() projectId?: string;
  createdAt!: Date;
  updatedAt!: Date;
}

export const WebhookEndpointSchema = SchemaFactory.createForClass(WebhookEndpoint);

export interface WebhookEndpointRecord extends Omit<WebhookEndpoint, 'secrets'> {
  id: string;
  secrets: SigningSecret[];
}

/** One delivery attempt of one event to one endpoint (or a message's statusCallback). */
@Schema({ collection: 'webhook_deliveries', versionKey: false, autoCreate: false, autoIndex: false })
export class WebhookDelivery {
  /** The endpoint's id, or `callback` for a message's statusCallback. */
  @Prop({ required: true }) endpointId!: string;
  @Prop({ required: true }) eventId!: string;
  @Prop({ required: true }) eventType!: string;
  @Prop() messageId?: string;
  @Prop({ required: true }) attempt!: number;
  @Prop({ required: true }) at!: Date;
  @Prop({ required: true }) url!: string;
  @Prop({ required: true }) ok!: boolean;
  @Prop() statusCode?: number;
  @Prop({ required: true }) latencyMs!: number;
  @Prop() error?: string;
  /** The first bytes of the receiver's answer, never more. */
  @Prop() responseExcerpt?: string;
  /** When the next attempt is due; unset after a success or the last attempt. */
  @Prop() nextAttemptAt?: Date;
  /** The event's project (missing: root's, or an opt-out's, which is every project's): a project's report counts its own statusCallback attempts. */
  @Prop() projectId?: string;
}

export const WebhookDeliverySchema = SchemaFactory.createForClass(WebhookDelivery);

/**
 * GET /v1/webhook-endpoints/:id/deliveries (newest first). Created by the delivery log's first
 * flush in a process that delivers (WebhookDeliveryLog), not by every process's autoIndex.
 */
export const DELIVERIES_INDEX = { key: { endpointId: 1, _id: -1 }, options: { name: 'endpointId_1__id_-1' } } as const;
