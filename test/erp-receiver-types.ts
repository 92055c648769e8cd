/** How the test ERP answers the events of one order (test/e2e/erp-receiver.ts). */
export interface Behaviour {
  /** 500 to the first n attempts of every message. */
  failFirst?: number;
  /** 503 to everything: the ERP is down. */
  down?: boolean;
  /** 503 to every attempt of these sequences. */
  downSequences?: number[];
  /** The first attempt of this sequence stalls past the sender's timeout (once). */
  stallSequence?: number;
  stallMs?: number;
  /** Set by the receiver once it stalled. */
  stalled?: boolean;
  /** Never answers: every attempt stays open until the sender gives up (its timeout). */
  hang?: boolean;
}

export interface Attempt {
  id: string;
  type: string;
  sequence: number;
  /** 1 for the first attempt of this webhook-id. */
  attempt: number;
  status: number | "stalled" | "hung";
  /** The standardwebhooks package accepted the signature. */
  verified: boolean;
  error?: string;
  timestamp: string;
}

export interface OrderLog {
  /** Every request, in arrival order. */
  attempts: Attempt[];
  /** Events taken (acknowledged, or stalled), each webhook-id once, in the order first taken. */
  received: { id: string; type: string; sequence: number; body: ReceivedBody }[];
}

export interface ReceivedBody {
  type: string;
  timestamp: string;
  data: { orderReference: string; sequence: number; version: number } & Record<string, unknown>;
}
