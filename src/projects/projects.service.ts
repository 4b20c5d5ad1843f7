import { Injectable } from '@nestjs/common';
import type { CountryCode } from 'libphonenumber-js';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError, NotFoundError } from '../common/domain-error';
import { ExpiringCache } from '../common/expiring-cache';
import { RequestContext, ROOT_PROJECT } from '../common/request-context';
import { AppConfig, SendPolicySettings } from '../config/app-config';
import type { Project } from './project.schema';
import { ProjectChanges, ProjectRecord, ProjectsRepository } from './projects.repository';

/**
 * How long a looked-up project (its limits) is trusted without asking the store again: every
 * send and request of a project key needs its limits, and they change rarely (as API keys: 2 s).
 */
export const PROJECT_CACHE_TTL_MS = 2000;

export type NewProject = Omit<Project, 'createdAt' | 'createdBy'>;

/** API request limits per key: the sustained and burst windows' budgets. */
export interface RequestLimits {
  limit: number;
  burstLimit: number;
}

export class UnknownProjectError extends DomainError {
  constructor(id: string) {
    super('unknown_project', `project ${id} does not exist`, 404, { field: 'projectId' });
  }
}

@Injectable()
export class ProjectsService {
  private readonly cache = new ExpiringCache<string, Promise<ProjectRecord | undefined>>(PROJECT_CACHE_TTL_MS, 10_000);
  /** Read once: every send and request asks for them, and the environment does not change. */
  private readonly globalPolicy: SendPolicySettings;
  private readonly globalLimits: RequestLimits;

  constructor(
    private readonly repository: ProjectsRepository,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.globalPolicy = config.sendPolicy;
    this.globalLimits = { limit: config.throttle.limit, burstLimit: config.throttle.burst.limit };
  }

  async create(input: NewProject, context: RequestContext): Promise<ProjectRecord> {
    const record = await this.repository.insert({ ...input, createdAt: new Date(), createdBy: context.actor });
    await this.audit.record({ actor: context.actor, requestId: context.requestId, action: AuditAction.ProjectCreated, details: { projectId: record.id, name: record.name } });
    return record;
  }

  /** Takes effect at once in this process, within PROJECT_CACHE_TTL_MS in the others. */
  async update(id: string, changes: ProjectChanges, context: RequestContext): Promise<ProjectRecord> {
    const record = await this.repository.update(id, changes);
    if (!record) throw new NotFoundError('Project', id);
    this.cache.delete(id);
    await this.audit.record({ actor: context.actor, requestId: context.requestId, action: AuditAction.ProjectUpdated, details: { projectId: id, changes } });
    return record;
  }

  list(): Promise<ProjectRecord[]> {
    return this.repository.list();
  }

  async get(id: string): Promise<ProjectRecord> {
    const record = await this.find(id);
    if (!record) throw new NotFoundError('Project', id);
    return record;
  }

  /** The project, from a short-lived cache (a failed lookup is not remembered). Never the root project. */
  find(id: string): Promise<ProjectRecord | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const lookup = this.repository.findById(id);
    this.cache.set(id, lookup);
    lookup.catch(() => this.cache.delete(id));
    return lookup;
  }

  /** Throws unknown_project (404) unless it is the root project or a stored one. */
  async ensureExists(id: string): Promise<void> {
    if (id !== ROOT_PROJECT && !(await this.find(id))) throw new UnknownProjectError(id);
  }

  /**
   * The project of a producer's command: the one it names (unknown: `unknown_project`, which parks
   * the command with that reason), else the root project. Producers hold no key: whoever may
   * publish to the queue may send for any project, so the broker's permissions are the boundary.
   */
  async producerProject(requested: string | undefined): Promise<string> {
    if (requested === undefined) return ROOT_PROJECT;
    await this.ensureExists(requested);
    return requested;
  }

  /** The send policy for a project's messages: its own limits where set, the global ones elsewhere. */
  async sendPolicyFor(projectId: string): Promise<SendPolicySettings> {
    const global = this.globalPolicy;
    if (projectId === ROOT_PROJECT) return global;
    const project = await this.find(projectId);
    if (!project) return global;
    const countries = project.allowedCountries;
    return {
      ...global,
      allowedCountries: countries === undefined ? global.allowedCountries : countries.includes('*') ? '*' : (countries as CountryCode[]),
      recipientHourlyLimit: project.recipientHourlyLimit ?? global.recipientHourlyLimit,
      dailySegmentCap: project.dailySegmentCap ?? global.dailySegmentCap,
    };
  }

  /** API request budgets per key of this project. */
  async requestLimitsFor(projectId: string): Promise<RequestLimits> {
    const { limit, burstLimit } = this.globalLimits;
    const project = projectId === ROOT_PROJECT ? undefined : await this.find(projectId);
    return { limit: project?.requestLimit ?? limit, burstLimit: project?.burstLimit ?? burstLimit };
  }
}
