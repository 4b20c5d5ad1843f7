import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { DomainError } from './domain-error';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
  [extra: string]: unknown;
}

const codeByStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/** What @nestjs/terminus answers a failed health check with: which checks are up and which down. */
interface HealthReport {
  status: 'error';
  info?: Record<string, unknown>;
  error?: Record<string, unknown>;
  details: Record<string, unknown>;
}

function isHealthReport(response: unknown): response is HealthReport {
  return typeof response === 'object' && response !== null && (response as HealthReport).status === 'error' && 'details' in response;
}

function fromHttpException(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (isHealthReport(response)) {
    const down = Object.keys(response.error ?? {});
    return { statusCode, code: codeByStatus[statusCode] ?? 'error', message: `unhealthy: ${down.join(', ')}`, ...response };
  }
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : String(raw ?? exception.message);
  const code = exception instanceof ThrottlerException ? 'rate_limited' : (codeByStatus[statusCode] ?? 'error');
  return { statusCode, code, message };
}

const databaseUnavailable = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNotConnectedError',
  'MongoNetworkTimeoutError',
]);

/** A bulk write that failed without a single write error never reached the store. */
function isStoreUnavailable(error: Error): boolean {
  if (databaseUnavailable.has(error.name)) return true;
  const writeErrors = (error as { writeErrors?: unknown[] }).writeErrors;
  return error.name === 'MongoBulkWriteError' && (!Array.isArray(writeErrors) || writeErrors.length === 0);
}

/** Maps every error to `{statusCode, code, message, requestId}`; 5xx are logged with the request id. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const request = host.switchToHttp().getRequest<Request & { id?: string }>();
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    body.requestId = request.id ? String(request.id) : undefined;
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, requestId: body.requestId }, 'request failed');
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: exception.httpStatus, code: exception.code, message: exception.message, ...exception.details };
    }
    if (exception instanceof HttpException) {
      return fromHttpException(exception);
    }
    if (exception instanceof Error && exception.name === 'BrokerUnavailableError') {
      return { statusCode: 503, code: 'broker_unavailable', message: 'RabbitMQ is unreachable; try again shortly' };
    }
    if (exception instanceof Error && isStoreUnavailable(exception)) {
      return { statusCode: 503, code: 'database_unavailable', message: 'The message store is unreachable; nothing was accepted, try again' };
    }
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal_error', message: 'Internal server error' };
  }
}
