import { canSee, ownerOf, projectField, visibleProject } from './request-context';

describe('project scope', () => {
  const root = { projectId: 'root' };
  const team = { projectId: 'a'.repeat(24) };

  it('lets root see every project, and a project only its own (missing: root)', () => {
    expect(visibleProject(root)).toBeUndefined();
    expect(visibleProject(team)).toBe(team.projectId);
    expect(canSee(root, { projectId: team.projectId })).toBe(true);
    expect(canSee(team, { projectId: team.projectId })).toBe(true);
    expect(canSee(team, {})).toBe(false);
    expect(canSee(team, { projectId: 'b'.repeat(24) })).toBe(false);
  });

  it("stores no field for root's documents, so older ones are root's as they are", () => {
    expect(projectField('root')).toEqual({});
    expect(projectField(undefined)).toEqual({});
    expect(projectField(team.projectId)).toEqual(team);
    expect(ownerOf({})).toBe('root');
  });
});
