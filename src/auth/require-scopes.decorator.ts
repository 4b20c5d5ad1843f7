import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Scope } from './scopes';

const REQUIRED_SCOPES = 'notifyx:required-scopes';
const ROOT_PROJECT_ONLY = 'notifyx:root-project-only';

/** The scopes a route (or every route of a controller) needs; all of them must be held. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** Routes about every project (creating projects, the Prometheus metrics): keys of the root project only. */
export const RootProjectOnly = () => SetMetadata(ROOT_PROJECT_ONLY, true);

export function isRootProjectOnly(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(ROOT_PROJECT_ONLY, [context.getHandler(), context.getClass()]) === true;
}

/**
 * Scopes for routes that carry no @RequireScopes, by controller path prefix. Reading needs one
 * scope, anything that changes state the other. Kept here so controllers owned by other features
 * are covered without editing them; an explicit @RequireScopes always wins.
 */
const DEFAULTS_BY_PATH: ReadonlyArray<{ prefix: string; read: Scope; write: Scope }> = [
  { prefix: 'v1/messages', read: 'messages:read', write: 'messages:send' },
];
const READ_METHODS = new Set(['GET', 'HEAD']);

function controllerPath(context: ExecutionContext): string {
  const declared: unknown = Reflect.getMetadata(PATH_METADATA, context.getClass());
  const path = Array.isArray(declared) ? String(declared[0] ?? '') : String(declared ?? '');
  return path.replace(/^\/+|\/+$/g, '');
}

/** Undecorated routes outside the table need `admin`: a new route is closed until someone decides. */
export function requiredScopes(reflector: Reflector, context: ExecutionContext): readonly Scope[] {
  const declared = reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, [context.getHandler(), context.getClass()]);
  if (declared) return declared;
  const path = controllerPath(context);
  const defaults = DEFAULTS_BY_PATH.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));
  if (!defaults) return ['admin'];
  const method = context.switchToHttp().getRequest<Request>().method;
  return [READ_METHODS.has(method) ? defaults.read : defaults.write];
}
