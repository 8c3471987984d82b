/**
 * The few workerd globals and the `cloudflare:workers` module the Worker uses. @cloudflare/workers-types
 * declares them only as globals that clash with the DOM lib the rest of the project compiles against,
 * so the runtime files import its interfaces as types and these declarations fill the gap.
 */
declare module "cloudflare:workers" {
  import type { DurableObjectState } from "@cloudflare/workers-types";
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: DurableObjectState;
    protected readonly env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}

declare class WebSocketPair {
  0: WebSocket;
  1: WebSocket;
}

declare class WebSocketRequestResponsePair {
  constructor(request: string, response: string);
}
