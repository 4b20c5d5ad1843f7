import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import { DomainError } from '../common/domain-error';
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
export class TemplatesRepository {
  constructor(@InjectModel(Template.name) private readonly model: Model<Template>) {}

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

  async findByName(name: string): Promise<TemplateRecord | null> {
    const doc = await this.model.findOne({ name }).lean<LeanTemplate>();
    return doc ? toRecord(doc) : null;
  }

  async list(filter: { before?: string; limit: number }): Promise<TemplateRecord[]> {
    const query = filter.before ? { _id: { $lt: new Types.ObjectId(filter.before) } } : {};
    const docs = await this.model.find(query).sort({ _id: -1 }).limit(filter.limit).lean<LeanTemplate[]>();
    return docs.map(toRecord);
  }

  /** The updated template, or null when there is none with this id. */
  async update(id: string, changes: TemplateChanges): Promise<TemplateRecord | null> {
    const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null));
    // null removes a field (locale, validFor, smartEncoding, quietHours).
    const unset = Object.fromEntries(Object.entries(changes).filter(([, value]) => value === null).map(([key]) => [key, 1]));
    const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
    try {
      const doc = await this.model.findByIdAndUpdate(id, update, { returnDocument: 'after' }).lean<LeanTemplate>();
      return doc ? toRecord(doc) : null;
    } catch (error) {
      throw isDuplicateKey(error) && changes.name ? new TemplateNameTakenError(changes.name) : error;
    }
  }

  async delete(id: string): Promise<TemplateRecord | null> {
    const doc = await this.model.findByIdAndDelete(id).lean<LeanTemplate>();
    return doc ? toRecord(doc) : null;
  }
}
