import { Injectable, PipeTransform } from '@nestjs/common';
import { isMongoId } from 'class-validator';
import { DomainError } from './domain-error';

/** Ids are MongoDB ObjectIds; a malformed one is the client's mistake (400), not a missing record. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isMongoId(value)) {
      throw new DomainError('invalid_id', `"${value}" is not a valid id (24 hex characters expected)`, 400);
    }
    return value;
  }
}
