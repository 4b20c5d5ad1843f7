import type { AuditEvent, AuditService } from '../audit/audit.service';
import { hashApiKey } from './api-key-secret';
import type { ApiKey } from './api-key.schema';
import type { ApiKeyRecord, ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { ProjectsService, UnknownProjectError } from '../projects/projects.service';

const BILLING = 'b'.repeat(24);
const OTHER = 'c'.repeat(24);

class FakeRepository {
  readonly records: ApiKeyRecord[] = [];
  lookups = 0;
  failNextLookup = false;

  async insert(key: ApiKey): Promise<ApiKeyRecord> {
    const record = { ...key, id: String(this.records.length + 1).padStart(24, '0') };
    this.records.push(record);
    return { ...record };
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    this.lookups += 1;
    if (this.failNextLookup) {
      this.failNextLookup = false;
      throw new Error('database down');
    }
    const found = this.records.find((record) => record.hash === hash);
    return found && { ...found };
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const found = this.records.find((record) => record.id === id);
    return found && { ...found };
  }

  async revoke(id: string, at: Date) {
    const record = this.records.find((candidate) => candidate.id === id);
    if (!record) return undefined;
    const revokedNow = !record.revokedAt;
    record.revokedAt ??= at;
    return { record: { ...record }, revokedNow };
  }
}

describe('ApiKeysService', () => {
  const context = { actor: 'apikey:0badc0de', requestId: 'req-1', projectId: 'root' };
  let repository: FakeRepository;
  let audited: AuditEvent[];
  let service: ApiKeysService;

  beforeEach(() => {
    repository = new FakeRepository();
    audited = [];
    const audit = { record: async (event: AuditEvent) => void audited.push(event) } as unknown as AuditService;
    const projects = {
      ensureExists: async (id: string) => {
        if (id !== BILLING) throw new UnknownProjectError(id);
      },
    } as unknown as ProjectsService;
    service = new ApiKeysService(repository as unknown as ApiKeysRepository, audit, projects);
  });

  it('hands out the key once and stores only its SHA-256', async () => {
    const { record, key } = await service.create({ name: 'billing', scopes: ['admin', 'messages:send'] }, context);
    expect(key).toMatch(/^nx_[A-Za-z0-9_-]{43}$/);
    expect(repository.records[0].hash).toBe(hashApiKey(key));
    expect(JSON.stringify(repository.records)).not.toContain(key);
    expect(record.scopes).toEqual(['messages:send', 'admin']);
    expect(audited).toEqual([expect.objectContaining({ action: 'api_key.created', actor: context.actor, details: expect.objectContaining({ keyId: record.id }) })]);
    expect(JSON.stringify(audited)).not.toContain(key);
  });

  it('asks the database once for a key used many times in a row', async () => {
    const { key } = await service.create({ name: 'busy', scopes: ['messages:send'] }, context);
    await Promise.all([service.findByKey(key), service.findByKey(key), service.findByKey(key)]);
    expect(repository.lookups).toBe(1);
  });

  it('sees a revocation at once in the process that revoked, and audits it once', async () => {
    const { record, key } = await service.create({ name: 'leaked', scopes: ['messages:send'] }, context);
    expect((await service.findByKey(key))?.revokedAt).toBeUndefined();
    await service.revoke(record.id, context);
    await service.revoke(record.id, context);
    expect((await service.findByKey(key))?.revokedAt).toBeInstanceOf(Date);
    expect(audited.filter((event) => event.action === 'api_key.revoked')).toHaveLength(1);
  });

  it('answers 404 for an unknown id', async () => {
    await expect(service.revoke('f'.repeat(24), context)).rejects.toMatchObject({ httpStatus: 404, code: 'not_found' });
  });

  it('does not remember a failed lookup as an answer', async () => {
    const { key } = await service.create({ name: 'k', scopes: ['messages:read'] }, context);
    repository.failNextLookup = true;
    await expect(service.findByKey(key)).rejects.toThrow('database down');
    await expect(service.findByKey(key)).resolves.toMatchObject({ name: 'k' });
  });

  it('refuses text that cannot be a stored key without a lookup', async () => {
    await expect(service.findByKey('nope')).resolves.toBeUndefined();
    expect(repository.lookups).toBe(0);
  });

  describe('projects', () => {
    const billingAdmin = { actor: 'apikey:billing', projectId: BILLING };

    it("puts a key in its creator's project unless a root admin names another", async () => {
      const own = await service.create({ name: 'b', scopes: ['messages:send'] }, billingAdmin);
      expect(own.record.projectId).toBe(BILLING);
      const named = await service.create({ name: 'r', scopes: ['messages:send'], projectId: BILLING }, context);
      expect(named.record.projectId).toBe(BILLING);
      const root = await service.create({ name: 'root', scopes: ['admin'] }, context);
      expect(root.record.projectId).toBeUndefined();
    });

    it("refuses a project's admin a key for another project, and anyone a key for an unknown one", async () => {
      await expect(service.create({ name: 'x', scopes: ['admin'], projectId: OTHER }, billingAdmin)).rejects.toMatchObject({ httpStatus: 404, code: 'unknown_project' });
      await expect(service.create({ name: 'x', scopes: ['admin'], projectId: 'root' }, billingAdmin)).rejects.toMatchObject({ httpStatus: 404, code: 'unknown_project' });
      await expect(service.create({ name: 'x', scopes: ['admin'], projectId: OTHER }, context)).rejects.toMatchObject({ httpStatus: 404, code: 'unknown_project' });
      expect(repository.records).toHaveLength(0);
    });

    it("answers 404 to a project's admin revoking a key of another project, and leaves it valid", async () => {
      const { record, key } = await service.create({ name: 'root-key', scopes: ['messages:send'] }, context);
      await expect(service.revoke(record.id, billingAdmin)).rejects.toMatchObject({ httpStatus: 404 });
      expect((await service.findByKey(key))?.revokedAt).toBeUndefined();
    });
  });
});
