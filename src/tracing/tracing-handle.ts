/** A running OpenTelemetry SDK, as the process holds it (its own file: the SDK's module and the switch both name it). */
export interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}
