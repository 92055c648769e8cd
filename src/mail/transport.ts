import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import * as schema from "../db/schema";

export interface Mail {
  to: string;
  bcc: string[];
  subject: string;
  html: string;
  /** The same key means the same mail: a retried send must not reach the recipient twice. */
  idempotencyKey: string;
  attachments?: MailAttachment[];
}

export interface MailAttachment {
  filename: string;
  /** MIME type, e.g. `text/html; charset=utf-8`. */
  contentType: string;
  /** The bytes; text is sent as UTF-8. */
  content: string | Uint8Array;
  /** Where the bytes are kept (an R2 key): what the capture store records instead of them. */
  storageKey?: string;
}

const bytesOf = (content: string | Uint8Array): Uint8Array =>
  typeof content === "string" ? new TextEncoder().encode(content) : content;

/** Where mails go: an HTTP provider in production, the `mails` table locally and in tests. */
export interface MailTransport {
  send(mail: Mail): Promise<void>;
}

/** The capture store's insert of a mail: a repeated idempotency key is stored once. */
function captureInsert(db: Pick<DrizzleD1Database, "insert">, mail: Mail) {
  return db
    .insert(schema.mails)
    .values({
      idempotencyKey: mail.idempotencyKey,
      to: mail.to,
      bcc: mail.bcc,
      subject: mail.subject,
      html: mail.html,
      // Metadata only: a multi-megabyte document must not become a D1 row.
      attachments: (mail.attachments ?? []).map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        bytes: bytesOf(a.content).byteLength,
        storageKey: a.storageKey ?? null,
      })),
    })
    .onConflictDoNothing({ target: schema.mails.idempotencyKey });
}

/** Stores mails in D1 (`mails.list` reads them); a repeated idempotency key is stored once. */
/** Any drizzle D1 instance: the capture store needs no relational schema. */
export function captureTransport(db: Pick<DrizzleD1Database, "insert">): MailTransport {
  return {
    async send(mail) {
      await captureInsert(db, mail);
    },
  };
}

/**
 * The capture store's write of a mail as one D1 statement, so it can share a batch with other
 * writes to the same D1 (an order's projection).
 */
export function captureStatement(d1: D1Database, mail: Mail): D1PreparedStatement {
  const { sql, params } = captureInsert(drizzle(d1), mail).toSQL();
  return d1.prepare(sql).bind(...params);
}

export interface HttpTransportOptions {
  url: string;
  apiKey: string;
  from: string;
  /** Defaults to the global fetch; a different one lets a test see the request it builds. */
  fetch?: typeof fetch;
}

/**
 * The provider request for a mail: JSON body, bearer key, the mail's idempotency key; the shape
 * of Resend's `POST /emails` (attachments as `{ filename, content: <base64>, content_type }`).
 */
export function buildProviderRequest(options: HttpTransportOptions, mail: Mail): Request {
  return new Request(options.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      "content-type": "application/json",
      "idempotency-key": mail.idempotencyKey,
    },
    body: JSON.stringify({
      from: options.from,
      to: [mail.to],
      bcc: mail.bcc,
      subject: mail.subject,
      html: mail.html,
      ...(mail.attachments?.length
        ? {
            attachments: mail.attachments.map((a) => ({
              filename: a.filename,
              content: bytesOf(a.content).toBase64(),
              content_type: a.contentType,
            })),
          }
        : {}),
    }),
  });
}

/** Sends through an HTTP mail API; any non-2xx answer throws, so the caller retries. */
export function httpTransport(options: HttpTransportOptions): MailTransport {
  const send = options.fetch ?? fetch;
  return {
    async send(mail) {
      const res = await send(buildProviderRequest(options, mail));
      if (!res.ok) {
        // The provider's explanation helps the operator; bounded so a huge page is not logged.
        const detail = (await res.text().catch(() => "")).slice(0, 500);
        throw new Error(`mail provider answered ${res.status}${detail ? `: ${detail}` : ""}`);
      }
    },
  };
}

/** Comma-separated addresses, trimmed; empty entries dropped. */
export function parseBcc(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

type MailEnv = Pick<Env, "DB" | "MAIL_TRANSPORT" | "MAIL_API_URL" | "MAIL_API_KEY" | "MAIL_FROM">;

/** The transport `MAIL_TRANSPORT` names (`capture` or `http`); a broken setting throws. */
export function mailTransportFromEnv(env: MailEnv): MailTransport {
  const kind: string = env.MAIL_TRANSPORT;
  if (kind === "capture") return captureTransport(drizzle(env.DB));
  if (kind === "http") {
    const url: string = env.MAIL_API_URL;
    if (!url || !env.MAIL_API_KEY || !env.MAIL_FROM)
      throw new Error("MAIL_TRANSPORT=http needs MAIL_API_URL, MAIL_API_KEY and MAIL_FROM");
    return httpTransport({ url, apiKey: env.MAIL_API_KEY, from: env.MAIL_FROM });
  }
  throw new Error(`MAIL_TRANSPORT must be capture or http, not ${JSON.stringify(kind)}`);
}
