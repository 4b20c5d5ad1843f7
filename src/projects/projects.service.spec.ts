import type { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/app-config';
import type { ProjectRecord, ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';

const ID = 'a'.repeat(24);
const global = {
  sendPolicy: { allowedCountries: ['BR'], allowedNumberTypes: ['MOBILE'], recipientHourlyLimit: 10, dailySegmentCap: 0 },
  throttle: { ttlMs: 60_000, limit: 120, burst: { ttlMs: 1000, limit: 20 } },
} as unknown as AppConfig;

function serviceWith(project?: Partial<ProjectRecord>) {
  const lookups = { count: 0 };
  const repository = {
    findById: async (id: string) => {
      lookups.count += 1;
      return project && id === ID ? ({ id: ID, name: 'p', createdAt: new Date(), createdBy: 'x', ...project } as ProjectRecord) : undefined;
    },
  } as unknown as ProjectsRepository;
  return { service: new ProjectsService(repository, {} as AuditService, global), lookups };
}

describe('ProjectsService', () => {
  it('gives the root project, and a project that sets nothing, the global settings', async () => {
    const { service } = serviceWith({});
    await expect(service.sendPolicyFor('root')).resolves.toEqual(global.sendPolicy);
    await expect(service.sendPolicyFor(ID)).resolves.toEqual(global.sendPolicy);
    await expect(service.requestLimitsFor(ID)).resolves.toEqual({ limit: 120, burstLimit: 20 });
  });

  it("applies a project's own limits over the global ones, a 0 included", async () => {
    const { service } = serviceWith({ dailySegmentCap: 500, allowedCountries: ['PT'], recipientHourlyLimit: 0, requestLimit: 5 });
    await expect(service.sendPolicyFor(ID)).resolves.toEqual({ allowedCountries: ['PT'], allowedNumberTypes: ['MOBILE'], recipientHourlyLimit: 0, dailySegmentCap: 500 });
    await expect(service.requestLimitsFor(ID)).resolves.toEqual({ limit: 5, burstLimit: 20 });
    expect((await serviceWith({ allowedCountries: ['*'] }).service.sendPolicyFor(ID)).allowedCountries).toBe('*');
  });

  it('asks the store once for a project many requests need at the same time', async () => {
    const { service, lookups } = serviceWith({});
    await Promise.all([service.sendPolicyFor(ID), service.requestLimitsFor(ID), service.find(ID)]);
    expect(lookups.count).toBe(1);
  });

  it("takes a producer's project only if it exists; none named is root", async () => {
    const { service } = serviceWith({});
    await expect(service.producerProject(undefined)).resolves.toBe('root');
    await expect(service.producerProject(ID)).resolves.toBe(ID);
    await expect(service.producerProject('b'.repeat(24))).rejects.toMatchObject({ code: 'unknown_project', httpStatus: 404 });
  });
});
