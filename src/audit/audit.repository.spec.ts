import { AuditRepository } from './audit.repository';

describe('AuditRepository.settleEvents', () => {
  function repositoryWith(updateMany: jest.Mock): AuditRepository {
    return new AuditRepository({ collection: { updateMany } } as never);
  }

  it('makes one write per bucket, each naming its bucket by equality and its fences, and clears both flags', async () => {
    const updateMany = jest.fn().mockResolvedValue({});
    await repositoryWith(updateMany).settleEvents([
      { fence: 'a:1', eventBucket: 'p.1' }, { fence: 'a:2', eventBucket: 'p.1' }, { fence: 'b:1', eventBucket: 'p.2' },
    ]);
    expect(updateMany.mock.calls).toEqual([
      [{ eventBucket: 'p.1', fence: { $in: ['a:1', 'a:2'] } }, { $unset: { eventPending: '', eventBucket: '' } }],
      [{ eventBucket: 'p.2', fence: { $in: ['b:1'] } }, { $unset: { eventPending: '', eventBucket: '' } }],
    ]);
  });

  it('settles entries written before buckets by their pending flag', async () => {
    const updateMany = jest.fn().mockResolvedValue({});
    await repositoryWith(updateMany).settleEvents([{ fence: 'old:3' }]);
    expect(updateMany).toHaveBeenCalledWith({ eventPending: true, fence: { $in: ['old:3'] } }, { $unset: { eventPending: '', eventBucket: '' } });
  });

  it('writes nothing for no events', async () => {
    const updateMany = jest.fn();
    await repositoryWith(updateMany).settleEvents([]);
    expect(updateMany).not.toHaveBeenCalled();
  });
});
