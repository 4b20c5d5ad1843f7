import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { loadDashboardAssets, serveAssets } from './dashboard-assets';

export const DASHBOARD_PATH = '/dashboard';

/**
 * The operations dashboard at /dashboard: a static page that reads the reports, queues and
 * dead-letter APIs with the API key a person types in. Mounted as plain middleware rather than a
 * controller: it is a page, not an API route, so it has no place in the OpenAPI document, and
 * the key guard has nothing to check (the data behind it is what needs the key). Its scripts are
 * files from this origin, as helmet's Content-Security-Policy requires.
 */
@Module({})
export class DashboardModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Registered after the routes and before Nest's not-found handler; helmet, added at bootstrap, runs first.
    this.adapterHost.httpAdapter.use(DASHBOARD_PATH, serveAssets(loadDashboardAssets()));
  }
}
