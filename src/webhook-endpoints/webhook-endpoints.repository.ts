import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { withoutUndefined } from '../common/without-undefined';
import { DELIVERIES_INDEX, SigningSecret, WebhookDelivery, WebhookEndpoint, WebhookEndpointRecord } from './webhook-endpoint.schema';

type LeanEndpoint = WebhookEndpoint & { _id: Types.ObjectId };
export type DeliveryRecord = WebhookDelivery & { id: string };
export type EndpointChanges = Partial<Pick<WebhookEndpoint, 'url' | 'eventTypes' | 'enabled' | 'description' | 'secrets' | 'disabledReason' | 'failingSince'>>;

function toRecord({ _id, ...rest }: LeanEndpoint): WebhookEndpointRecord {
  return { id: _id.toHexString(), ...rest };
}

@Injectable()
export class WebhookEndpointsRepository {
  constructor(
    @InjectModel(WebhookEndpoint.name) private readonly endpoints: Model<WebhookEndpoint>,
    @InjectModel(WebhookDelivery.name) private readonly deliveries: Model<WebhookDelivery>,
  ) {}

  async create(endpoint: Omit<WebhookEndpoint, 'createdAt' | 'updatedAt'>): Promise<WebhookEndpointRecord> {
    const created = await this.endpoints.create(withoutUndefined({ ...endpoint }));
    return toRecord(created.toObject() as LeanEndpoint);
  }

  /** `projectId`: only that project's; unset: every project's. No index: the collection holds a few endpoints. */
  async all(projectId?: string): Promise<WebhookEndpointRecord[]> {
    const query = projectId ? { projectId } : {};
    return (await this.endpoints.find(query).sort({ _id: -1 }).lean<LeanEndpoint[]>()).map(toRecord);
  }

  async findById(id: string): Promise<WebhookEndpointRecord | null> {
    const found = await this.endpoints.findById(id).lean<LeanEndpoint>();
    return found ? toRecord(found) : null;
  }

  /** Sets the given fields; `undefined` ones are cleared. */
  async update(id: string, changes: EndpointChanges): Promise<WebhookEndpointRecord | null> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const unset = Object.keys(changes).filter((key) => changes[key as keyof EndpointChanges] === undefined);
    const updated = await this.endpoints.findByIdAndUpdate(id, {
      ...(Object.keys(set).length ? { $set: set } : {}), ...(unset.length ? { $unset: Object.fromEntries(unset.map((key) => [key, 1])) } : {}),
    }, { returnDocument: 'after' }).lean<LeanEndpoint>();
    return updated ? toRecord(updated) : null;
  }

  async setSecrets(id: string, secrets: SigningSecret[]): Promise<WebhookEndpointRecord | null> {
    return this.update(id, { secrets });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.endpoints.deleteOne({ _id: id })).deletedCount === 1;
  }

  /** The attempt log, written in batches (WebhookDeliveryLog). */
  async appendDeliveries(deliveries: WebhookDelivery[]): Promise<void> {
    if (deliveries.length) await this.deliveries.collection.insertMany(deliveries.map((delivery) => withoutUndefined({ ...delivery })));
  }

  async listDeliveries(endpointId: string, before: string | undefined, limit: number): Promise<DeliveryRecord[]> {
    const query = { endpointId, ...(before ? { _id: { $lt: new Types.ObjectId(before) } } : {}) };
    const docs = await this.deliveries.find(query).sort({ _id: -1 }).limit(limit).lean<(WebhookDelivery & { _id: Types.ObjectId })[]>();
    return docs.map(({ _id, ...rest }) => ({ id: _id.toHexString(), ...rest }));
  }

  /**
   * Attempts to one endpoint (or `callback`) made in [from, to], and how many succeeded: the
   * dashboard's figures. `projectId`: only attempts of that project's events (a project's view of `callback`).
   */
  async deliveryCounts(endpointId: string, from: Date, to: Date, projectId?: string): Promise<{ attempts: number; succeeded: number }> {
    const range = { endpointId, at: { $gte: from, $lte: to }, ...(projectId ? { projectId } : {}) };
    const [attempts, succeeded] = await Promise.all([this.deliveries.countDocuments(range), this.deliveries.countDocuments({ ...range, ok: true })]);
    return { attempts, succeeded };
  }

  /** Idempotent; the API calls it once at start. */
  async ensureIndexes(): Promise<void> {
    await this.deliveries.collection.createIndex(DELIVERIES_INDEX.key, DELIVERIES_INDEX.options);
  }
}
