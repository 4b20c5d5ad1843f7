import type { AuditService } from '../audit/audit.service';
import { TemplateRecord, TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

const ID = '6650f1c2a1b2c3d4e5f60718';

function serviceWith(template: TemplateRecord) {
  const lookups = { byId: 0, byName: 0 };
  const repository = {
    findById: async (id: string) => (lookups.byId++, id === template.id ? template : null),
    findByName: async (name: string) => (lookups.byName++, name === template.name ? template : null),
  } as unknown as TemplatesRepository;
  const audit = { record: async () => undefined } as unknown as AuditService;
  return { service: new TemplatesService(repository, audit), lookups };
}

const ROOT = { projectId: 'root' };

describe('TemplatesService.render', () => {
  const template: TemplateRecord = {
    id: ID, name: 'otp.login', body: 'Your code is {{code}}, valid {{minutes}} min', createdBy: 'apikey:1', projectId: 'root',
    createdAt: new Date(), updatedAt: new Date(),
  };

  it('renders by id and by name, and says which template it used', async () => {
    const { service } = serviceWith(template);
    const expected = { body: 'Your code is 123456, valid 10 min', template: { id: ID, name: 'otp.login' }, defaults: {} };
    await expect(service.render({ templateId: ID }, { code: '123456', minutes: 10 }, ROOT)).resolves.toEqual(expected);
    await expect(service.render({ templateName: 'otp.login' }, { code: '123456', minutes: 10 }, ROOT)).resolves.toEqual(expected);
  });

  it('names the missing variables in a 400', async () => {
    const { service } = serviceWith(template);
    await expect(service.render({ templateId: ID }, { minutes: 5 }, ROOT)).rejects.toMatchObject({
      code: 'missing_template_variable', httpStatus: 400, message: 'template variable "code" is missing',
    });
    await expect(service.render({ templateId: ID }, {}, ROOT)).rejects.toMatchObject({
      message: 'template variables "code", "minutes" are missing', details: { missing: ['code', 'minutes'] },
    });
  });

  it.each([
    [{ templateId: '6650f1c2a1b2c3d4e5f60719' }, /Template 6650f1c2a1b2c3d4e5f60719 was not found/],
    [{ templateId: 'not-an-id' }, /Template not-an-id was not found/],
    [{ templateName: 'nope' }, /Template "nope" was not found/],
  ])('answers 404 template_not_found for %j', async (ref, message) => {
    const { service } = serviceWith(template);
    await expect(service.render(ref, {}, ROOT)).rejects.toMatchObject({ code: 'template_not_found', httpStatus: 404, message: expect.stringMatching(message) });
  });

  it.each([[{}], [{ templateId: ID, templateName: 'otp.login' }]])('wants exactly one of templateId and templateName: %j', async (ref) => {
    const { service } = serviceWith(template);
    await expect(service.render(ref, {}, ROOT)).rejects.toMatchObject({ code: 'invalid_template_reference', httpStatus: 400 });
  });

  it('renders the current body after an update, never a cached old one', async () => {
    const current = { ...template };
    const { service } = serviceWith(current);
    await service.render({ templateId: ID }, { code: '1', minutes: 1 }, ROOT);
    current.body = 'New: {{code}}';
    await expect(service.render({ templateId: ID }, { code: '2' }, ROOT)).resolves.toMatchObject({ body: 'New: 2' });
  });

  it('prepares once for many recipients (one lookup)', async () => {
    const { service, lookups } = serviceWith(template);
    const prepared = await service.prepare({ templateName: 'otp.login' }, ROOT);
    expect(['1', '2', '3'].map((code) => prepared.render({ code, minutes: 5 }))).toEqual([
      'Your code is 1, valid 5 min', 'Your code is 2, valid 5 min', 'Your code is 3, valid 5 min',
    ]);
    expect(prepared.variables).toEqual(['code', 'minutes']);
    expect(lookups.byName).toBe(1);
  });
});
