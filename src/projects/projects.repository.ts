import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { isMongoId } from 'class-validator';
import { Model, Types } from 'mongoose';
import { DomainError } from '../common/domain-error';
import { withoutUndefined } from '../common/without-undefined';
import { Project } from './project.schema';

export interface ProjectRecord extends Project {
  id: string;
}

type Limits = 'dailySegmentCap' | 'allowedCountries' | 'recipientHourlyLimit' | 'requestLimit' | 'burstLimit';

/** A project's limits to change: a value sets it, null gives it back to the global setting. */
export type ProjectChanges = { [K in Limits]?: Project[K] | null };

type LeanProject = Project & { _id: Types.ObjectId };

function toRecord({ _id, ...rest }: LeanProject): ProjectRecord {
  return { id: _id.toHexString(), ...rest };
}

export class ProjectNameTakenError extends DomainError {
  constructor(name: string) {
    super('project_name_taken', `A project named "${name}" already exists`, 409);
  }
}

@Injectable()
export class ProjectsRepository {
  constructor(@InjectModel(Project.name) private readonly model: Model<Project>) {}

  async insert(project: Project): Promise<ProjectRecord> {
    try {
      const created = await this.model.create(withoutUndefined({ ...project }));
      return toRecord(created.toObject<LeanProject>());
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new ProjectNameTakenError(project.name);
      throw error;
    }
  }

  async findById(id: string): Promise<ProjectRecord | undefined> {
    if (!isMongoId(id)) return undefined;
    const doc = await this.model.findById(id).lean<LeanProject>();
    return doc ? toRecord(doc) : undefined;
  }

  /** Sets the given limits, removes those given as null (back to the global setting); undefined when there is no such project. */
  async update(id: string, changes: ProjectChanges): Promise<ProjectRecord | undefined> {
    if (!isMongoId(id)) return undefined;
    const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined && value !== null));
    const unset = Object.fromEntries(Object.entries(changes).filter(([, value]) => value === null).map(([key]) => [key, 1]));
    const update = { ...(Object.keys(set).length > 0 ? { $set: set } : {}), ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) };
    const doc = Object.keys(update).length === 0
      ? await this.model.findById(id).lean<LeanProject>()
      : await this.model.findByIdAndUpdate(id, update, { returnDocument: 'after' }).lean<LeanProject>();
    return doc ? toRecord(doc) : undefined;
  }

  /** Newest first. Projects are teams, created by operators: tens, not thousands, so no paging. */
  async list(): Promise<ProjectRecord[]> {
    const docs = await this.model.find().sort({ _id: -1 }).lean<LeanProject[]>();
    return docs.map(toRecord);
  }
}
