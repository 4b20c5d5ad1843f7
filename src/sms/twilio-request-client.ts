import * as http from 'node:http';
import RequestClient from 'twilio/lib/base/RequestClient';
import Response from 'twilio/lib/http/response';

// The origin of any Twilio API host: api.twilio.com, regional/edge ones (api.dublin.ie1.twilio.com), messaging.twilio.com…
const TWILIO_ORIGIN = /^https:\/\/(?:[a-z0-9-]+\.)*twilio\.com(?::\d+)?(?=[/?#]|$)/i;

/** RequestClient's own pool size for api.twilio.com, applied to the sandbox too. */
const SDK_DEFAULT_MAX_SOCKETS = 20;

/**
 * The twilio SDK has no base-URL option: it always builds absolute https://*.twilio.com URIs.
 * This client swaps that origin for `baseUrl` (the Twilio sandbox) and otherwise is the SDK's own
 * RequestClient, so auth, form encoding, retries and error handling stay the real thing.
 */
export class BaseUrlRequestClient extends RequestClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string, options: RequestClient.RequestClientOptions = {}) {
    super(options);
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    // RequestClient pools only https; without this a plain-http sandbox would get Node's unbounded
    // global agent and benchmarks would overstate the concurrency production gets.
    this.axios.defaults.httpAgent = new http.Agent({
      keepAlive: options.keepAlive !== false,
      maxSockets: options.maxSockets ?? SDK_DEFAULT_MAX_SOCKETS,
    });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    return super.request({ ...opts, uri: opts.uri.replace(TWILIO_ORIGIN, this.baseUrl) });
  }
}
