import { DomainError } from '../common/domain-error';

/**
 * A write whose reply was lost: the store may have applied it. Said as it is (503), never as
 * "nothing was accepted": the request's Idempotency-Key stays bound to what it was writing, so the
 * same request repeated with the key learns the outcome instead of sending a second message.
 */
export class OutcomeUnknownError extends DomainError {
  constructor(override readonly cause: unknown) {
    super('outcome_unknown', 'The store did not confirm the write, so it may have been accepted; a request sent with an Idempotency-Key can be repeated with it to learn the outcome', 503);
  }
}
