/** The project every key from API_KEYS belongs to; its keys see every project. */
export const ROOT_PROJECT = 'root';

/**
 * Who is acting, for which project, under which request id: what every audit entry needs and what
 * scopes every read. A plain shape, so the services that take it depend on no HTTP layer (auth
 * fills it in from the key).
 */
export interface RequestContext {
  actor: string;
  requestId?: string;
  /** The caller's project: ROOT_PROJECT for keys from API_KEYS, else the project its key belongs to. */
  projectId: string;
}

/**
 * The project a query must be limited to: undefined for the root project, whose keys see all of
 * them; the caller's own project otherwise (documents of other projects are then "not found").
 */
export function visibleProject(context: Pick<RequestContext, 'projectId'>): string | undefined {
  return context.projectId === ROOT_PROJECT ? undefined : context.projectId;
}

/**
 * The field a stored document carries for its project. The root project's documents carry none,
 * so documents written before projects existed are the root project's without a migration, and a
 * root-only deployment writes nothing more than before.
 */
export function projectField(projectId: string | undefined): { projectId?: string } {
  return projectId === undefined || projectId === ROOT_PROJECT ? {} : { projectId };
}

/** The project a stored document belongs to (missing: root). */
export function ownerOf(document: { projectId?: string }): string {
  return document.projectId ?? ROOT_PROJECT;
}

/** Whether a caller may see a document: root sees all, others their own project's only. */
export function canSee(context: Pick<RequestContext, 'projectId'>, document: { projectId?: string }): boolean {
  return context.projectId === ROOT_PROJECT || ownerOf(document) === context.projectId;
}
