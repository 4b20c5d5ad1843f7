import { HttpException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

const PARSED_TYPES = /^application\/(json|x-www-form-urlencoded)\b/i;

/** A body the API has no parser for (text/plain, XML…) is refused with 415 instead of being read as empty. */
export function refuseUnparsedBodies(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || PARSED_TYPES.test(req.headers['content-type'] ?? '')) return next();
  next(new HttpException(`Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted; send application/json`, 415));
}

/**
 * Requests Node's HTTP parser refuses (headers over 16 KB, a malformed request line) never reach
 * Express; Node would close them with an empty body. They get the API's JSON error shape too.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const statusCode = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = statusCode === 431 ? 'request_header_fields_too_large' : statusCode === 408 ? 'request_timeout' : 'bad_request';
    const message = statusCode === 431 ? 'The request line and headers exceed 16 KB' : (STATUS_CODES[statusCode] ?? 'Bad request');
    const body = JSON.stringify({ statusCode, code, message });
    socket.end(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
