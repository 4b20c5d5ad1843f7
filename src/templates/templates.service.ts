import { Injectable } from '@nestjs/common';
import { isMongoId } from 'class-validator';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import type { RequestContext } from '../auth/request-context.decorator';
import { DomainError } from '../common/domain-error';
import { canSee, visibleProject } from '../common/request-context';
import { CompiledTemplate, compileTemplate } from './template-engine';
import { TemplateVariables } from './template-variables';
import { TemplateChanges, TemplateRecord, TemplatesRepository } from './templates.repository';

/** Which template to render: exactly one of the two. */
export interface TemplateRef {
  templateId?: string;
  templateName?: string;
}

/** What a template sets for the messages sent with it, unless a send says otherwise. */
export interface TemplateDefaults {
  validFor?: number;
  smartEncoding?: boolean;
  quietHours?: { start: string; end: string };
}

export interface RenderedTemplate {
  body: string;
  template: { id: string; name: string };
  defaults: TemplateDefaults;
}

/** A template looked up once, to render many times (bulk sends). */
export interface PreparedTemplate {
  template: { id: string; name: string };
  variables: string[];
  defaults: TemplateDefaults;
  /** Throws `missing_template_variable` / `invalid_template_variables` (400). */
  render(variables: TemplateVariables): string;
}

export type TemplateDetails = TemplateRecord & { variables: string[] };

/** Whose templates a send may use. */
export type Owner = Pick<RequestContext, 'projectId'>;

export class TemplateNotFoundError extends DomainError {
  constructor(ref: string) {
    super('template_not_found', `Template ${ref} was not found`, 404);
  }
}

const CACHE_LIMIT = 500;

@Injectable()
export class TemplatesService {
  /** Compiled bodies by template id; an entry only serves the exact body it was compiled from. */
  private readonly compiledById = new Map<string, { body: string; compiled: CompiledTemplate }>();

  constructor(
    private readonly repository: TemplatesRepository,
    private readonly audit: AuditService,
  ) {}

  /** `owner`: the sending project; it sends with its own templates only. */
  async render(ref: TemplateRef, variables: TemplateVariables, owner: Owner): Promise<RenderedTemplate> {
    const prepared = await this.prepare(ref, owner);
    return { body: prepared.render(variables), template: prepared.template, defaults: prepared.defaults };
  }

  async prepare(ref: TemplateRef, owner: Owner): Promise<PreparedTemplate> {
    const record = await this.find(ref, owner.projectId);
    const compiled = this.compiled(record);
    return {
      template: { id: record.id, name: record.name }, variables: compiled.variables, defaults: defaultsOf(record), render: (values) => compiled.render(values),
    };
  }

  async create(input: { name: string; body: string; locale?: string } & TemplateDefaults, context: RequestContext): Promise<TemplateDetails> {
    const { variables } = compileTemplate(input.body);
    const record = await this.repository.create({ ...input, locale: canonicalLocale(input.locale), createdBy: context.actor, projectId: context.projectId });
    await this.record(AuditAction.TemplateCreated, record, context);
    return { ...record, variables };
  }

  /** Another project's template is not found (root keys see every project's). */
  async get(id: string, context: RequestContext): Promise<TemplateDetails> {
    const record = await this.findById(id);
    if (!record || !canSee(context, record)) throw new TemplateNotFoundError(id);
    return this.withVariables(record);
  }

  async list(filter: { before?: string; limit: number }, context: RequestContext): Promise<TemplateDetails[]> {
    return (await this.repository.list({ ...filter, projectId: visibleProject(context) })).map((record) => this.withVariables(record));
  }

  async update(id: string, changes: TemplateChanges, context: RequestContext): Promise<TemplateDetails> {
    if (changes.body !== undefined) compileTemplate(changes.body);
    const locale = changes.locale === null ? null : canonicalLocale(changes.locale);
    const record = await this.repository.update(id, { ...changes, locale }, visibleProject(context));
    if (!record) throw new TemplateNotFoundError(id);
    await this.record(AuditAction.TemplateUpdated, record, context, { changed: Object.keys(changes) });
    return this.withVariables(record);
  }

  /** Messages already sent keep their rendered text; only later sends are affected. */
  async remove(id: string, context: RequestContext): Promise<void> {
    const record = isMongoId(id) ? await this.repository.delete(id, visibleProject(context)) : null;
    if (!record) throw new TemplateNotFoundError(id);
    this.compiledById.delete(id);
    await this.record(AuditAction.TemplateDeleted, record, context);
  }

  /** By id: the project's own (a root key's may be any); by name: within the project's own names. */
  private async find(ref: TemplateRef, projectId: string): Promise<TemplateRecord> {
    const { templateId, templateName } = ref;
    if ((templateId == null) === (templateName == null)) {
      throw new DomainError('invalid_template_reference', 'Give either templateId or templateName', 400);
    }
    const record = templateName == null
      ? await this.findById(templateId as string).then((found) => (found && canSee({ projectId }, found) ? found : null))
      : await this.repository.findByName(templateName, projectId);
    if (!record) throw new TemplateNotFoundError(templateName == null ? String(templateId) : `"${templateName}"`);
    return record;
  }

  /** A malformed id names no template: not found, like an unknown one. */
  private async findById(id: string): Promise<TemplateRecord | null> {
    return isMongoId(id) ? this.repository.findById(id) : null;
  }

  private compiled(record: TemplateRecord): CompiledTemplate {
    // Compared by body, not updatedAt: two quick PATCHes can share a timestamp, a stale render cannot happen.
    const cached = this.compiledById.get(record.id);
    if (cached?.body === record.body) return cached.compiled;
    const compiled = compileTemplate(record.body);
    this.compiledById.delete(record.id);
    if (this.compiledById.size >= CACHE_LIMIT) this.compiledById.delete(this.compiledById.keys().next().value as string);
    this.compiledById.set(record.id, { body: record.body, compiled });
    return compiled;
  }

  private withVariables(record: TemplateRecord): TemplateDetails {
    return { ...record, variables: this.compiled(record).variables };
  }

  private record(action: AuditAction, template: TemplateRecord, context: RequestContext, extra?: object): Promise<void> {
    const details = { templateId: template.id, name: template.name, ...extra };
    return this.audit.record({ actor: context.actor, action, requestId: context.requestId, projectId: template.projectId, details });
  }
}

function defaultsOf(record: TemplateRecord): TemplateDefaults {
  const { validFor, smartEncoding, quietHours } = record;
  return { ...(validFor === undefined ? {} : { validFor }), ...(smartEncoding === undefined ? {} : { smartEncoding }), ...(quietHours ? { quietHours } : {}) };
}

/** pt-br → pt-BR; the DTO already refused what Intl cannot canonicalise. */
function canonicalLocale(locale: string | undefined): string | undefined {
  return locale === undefined ? undefined : Intl.getCanonicalLocales(locale)[0];
}
