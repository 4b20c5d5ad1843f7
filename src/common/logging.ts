import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { basicAuthOf, censor, maskPhonesInText, REDACT_PATHS, secretScrubber, serializeError, serializeRequest } from './log-redaction';

/** What a caller may pass as x-request-id; anything else gets a fresh id. */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Request ids come from the caller's x-request-id when given, so one id can follow a message across systems. */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

/**
 * Lines written in one turn of the event loop, written out together right after it: to a file or
 * a pipe stdout is written synchronously, one system call a line, on the thread that serves the
 * requests (measured: ~7 % of the API's CPU on POST /v1/messages). A line waits at most that turn;
 * what is still waiting when the process exits is written then.
 */
export function batchedWriter(write: (text: string) => void): { write(line: string): void; flush(): void } {
  let waiting: string[] = [];
  const flush = () => {
    if (waiting.length === 0) return;
    const text = waiting.join('');
    waiting = [];
    write(text);
  };
  return {
    write(line: string) {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push(line);
    },
    flush,
  };
}

/** Every app's writer, flushed as the process exits (tests start several apps in one process). */
const unflushed = new Set<{ flush(): void }>();

/**
 * Every line passes here last: numbers in free text (error messages, URLs) masked, and the
 * configured secrets replaced wherever they appear. Written to stdout, like pino's default.
 */
function scrubbedStdout(config: AppConfig): { write(line: string): void } {
  const { accountSid, authToken, authTokenSecondary } = config.twilio;
  const secondary = authTokenSecondary ? [authTokenSecondary, basicAuthOf(accountSid, authTokenSecondary)] : [];
  const scrubSecrets = secretScrubber([authToken, basicAuthOf(accountSid, authToken), ...secondary, ...config.apiKeys]);
  const out = batchedWriter((text) => void process.stdout.write(scrubSecrets(maskPhonesInText(text))));
  if (unflushed.size === 0) process.once('exit', () => unflushed.forEach((writer) => writer.flush()));
  unflushed.add(out);
  return out;
}

/** Twilio's status callbacks: two a message, each already an audit entry when it changes anything. */
const STATUS_CALLBACK_PATH = '/v1/webhooks/twilio/status';

/**
 * The line closing a request, at info; at debug for a status callback that was answered 2xx: at
 * two a message those lines cost the API more CPU than the callback's own store writes (profiled,
 * docs/performance.md, seventh round). Refused callbacks (403, 429) and errors keep their line.
 */
export function requestLineLevel(request: IncomingMessage, response: ServerResponse): 'info' | 'debug' {
  const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '';
  const quiet = response.statusCode < 300 && request.method === 'POST' && url.startsWith(STATUS_CALLBACK_PATH);
  return quiet ? 'debug' : 'info';
}

/**
 * JSON logs for both processes. In the API each line written while serving a request carries
 * `reqId`; the worker binds the same field from the command's x-request-id header
 * (LogContextInterceptor). Phone numbers are masked, message bodies and secrets never written.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        genReqId: requestId,
        // Lines inside a request carry only its id; the request itself is on the line that closes it.
        quietReqLogger: true,
        customLogLevel: requestLineLevel,
        wrapSerializers: false,
        serializers: {
          req: serializeRequest,
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
          err: (error: unknown) => serializeError(error),
        },
        redact: { paths: REDACT_PATHS, censor },
      },
      scrubbedStdout(config),
    ],
  };
}
