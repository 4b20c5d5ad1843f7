import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { DomainError } from '../common/domain-error';
import { ROOT_PROJECT } from '../common/request-context';
import { Template } from './template.schema';

export interface TemplateRecord extends Template {
  id: string;
}

export type NewTemplate = Omit<Template, 'createdAt' | 'updatedAt'>;

/** Fields to change; `locale: null` removes it. */
export interface TemplateChanges {
  name?: string;
  body?: string;
  locale?: string | null;
  validFor?: number | null;
  smartEncoding?: boolean | null;
  quietHours?: { start: string; end: string } | null;
}

export class TemplateNameTakenError extends DomainError {
  constructor(name: string) {
    super('template_name_taken', `A template named "${name}" already exists`, 409);
  }
}

type LeanTemplate = Template & { _id: Types.ObjectId };

/** One template by id, within a project when one is given. */
function byId(id: string, projectId?: string): Record<string, unknown> {
  return { _id: new Types.ObjectId(id), ...(projectId ? { projectId } : {}) };
}

function toRecord({ _id, ...rest }: LeanTemplate): TemplateRecord {
  return { id: _id.toHexString(), ...rest };
}

/**
 * MongoDB answers a unique-index violation with 11000. FerretDB 1.24 does too for inserts, but
 * reports one caused by an update as InternalError (code 1) with the backend's own wording;
 * the document is left unchanged either way.
 */
function isDuplicateKey(error: unknown): boolean {
  const { code, message } = error as { code?: number; message?: string };
  return code === 11000 || (code === 1 && /UNIQUE constraint failed|duplicate key/i.test(message ?? ''));
}

@Injectable()
export class TemplatesRepository implements OnModuleInit {
  private readonly logger = new Logger(TemplatesRepository.name);

  constructor(@InjectModel(Template.name) private readonly model: Model<Template>) {}

  /**
   * Names were unique across everything before projects; now per project ({projectId, name}).
   * Templates from before are the root project's: they get its id, as a unique index on FerretDB
   * counts documents without the field as all different (MongoDB as all equal), so root's names
   * are only unique once written out (a few documents, once). The old index would refuse a name
   * another project uses, and Mongoose never drops an index: drop it.
   */
  async onModuleInit(): Promise<void> {
    await this.model.updateMany({ projectId: { $exists: false } }, { $set: { projectId: ROOT_PROJECT } });
    const indexes = await this.model.collection.indexes().catch(() => []);
    if (!indexes.some((index) => index.name === 'name_1')) return;
    await this.model.collection.dropIndex('name_1').catch((error: unknown) => this.logger.warn({ err: error }, 'could not drop the old unique index on template names'));
  }

  async create(template: NewTemplate): Promise<TemplateRecord> {
    try {
      const created = await this.model.create(template);
      return toRecord(created.toObject() as LeanTemplate);
    } catch (error) {
      throw isDuplicateKey(error) ? new TemplateNameTakenError(template.name) : error;
    }
  }

  async findById(id: string): Promise<TemplateRecord | null> {
    const doc = await this.model.findById(id).lean<LeanTemplate>();
    return doc ? toRecord(doc) : null;
  }

  /** Names are per project. */
  async findByName(name: string, projectId: string): Promise<TemplateRecord | null> {
    const doc = await this.model.findOne({ name, projectId }).lean<LeanTemplate>();
    return doc ? toRecord(doc) : null;
  }

  /** `projectId`: only that project's; unset: every project's. */
  async list(filter: { before?: string; limit: number; projectId?: string }): Promise<TemplateRecord[]> {
    const query: Record<string, unknown> = filter.projectId ? { projectId: filter.projectId } : {};
    if (filter.before) query._id = { $lt: new Types.ObjectId(filter.before) };
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanTemplate[]>();
    return docs.map(toRecord);
  }

  /** The updated template, or null when there is none with this id (in `projectId`, when given). */
  async update(id: string, changes: TemplateChanges, projectId?: string): Promise<TemplateRecord | null> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null));
    // null removes a field (locale, validFor, smartEncoding, quietHours).
    const unset = Object.fromEntries(Object.entries(changes).filter(([, value]) => value === null).map(([key]) => [key, 1]));
    const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
    try {
      const doc = await this.model.findOneAndUpdate(byId(id, projectId), update, { returnDocument: 'after' }).lean<LeanTemplate>();
      return doc ? toRecord(doc) : null;
    } catch (error) {
      throw isDuplicateKey(error) && changes.name ? new TemplateNameTakenError(changes.name) : error;
    }
  }

  async delete(id: string, projectId?: string): Promise<TemplateRecord | null> {
    const doc = await this.model.findOneAndDelete(byId(id, projectId)).lean<LeanTemplate>();
    return doc ? toRecord(doc) : null;
  }
}
