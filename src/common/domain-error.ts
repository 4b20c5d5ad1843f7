/**
 * Errors the domain raises. They carry a stable machine-readable `code` and the HTTP status the
 * API answers with; code shared with the RabbitMQ consumer throws these, never HttpException.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} was not found`, 404);
  }
}

export class InvalidPhoneNumberError extends DomainError {
  constructor(input: string, reason: string) {
    super('invalid_phone_number', `"${input}" is not a valid phone number: ${reason}`, 400);
  }
}
