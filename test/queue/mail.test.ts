import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import {
  buildProviderRequest,
  captureTransport,
  httpTransport,
  mailTransportFromEnv,
  parseBcc,
} from "../../src/mail/transport";

const db = drizzle(env.DB, { schema });

const mail = (over: Partial<Parameters<ReturnType<typeof captureTransport>["send"]>[0]> = {}) => ({
  to: "ada@example.com",
  bcc: ["books@shop.example"],
  subject: "Invoice: Invoice-1",
  html: "<p>hi</p>",
  idempotencyKey: "Invoice-1",
  ...over,
});

describe("BCC list", () => {
  it("splits INVOICE_BCC on commas, trims, and drops empty entries", () => {
    expect(parseBcc(" books@shop.example, ,audit@shop.example ,")).toEqual([
      "books@shop.example",
      "audit@shop.example",
    ]);
    expect(parseBcc("")).toEqual([]);
    expect(parseBcc("   ")).toEqual([]);
    expect(parseBcc(undefined)).toEqual([]);
  });
});

describe("capture transport", () => {
  it("stores a mail once however often it is sent with the same idempotency key", async () => {
    const transport = captureTransport(db);
    await transport.send(mail({ idempotencyKey: "dedupe-1" }));
    await transport.send(mail({ idempotencyKey: "dedupe-1", subject: "changed" }));
    await Promise.all([1, 2, 3].map(() => transport.send(mail({ idempotencyKey: "dedupe-1" }))));
    await transport.send(mail({ idempotencyKey: "dedupe-2" }));
    const rows = await db.select().from(schema.mails);
    const keys = rows.map((r) => r.idempotencyKey).filter((k) => k.startsWith("dedupe-"));
    expect(keys.sort()).toEqual(["dedupe-1", "dedupe-2"]);
    const first = rows.find((r) => r.idempotencyKey === "dedupe-1");
    expect(first).toMatchObject({
      to: "ada@example.com",
      bcc: ["books@shop.example"],
      subject: "Invoice: Invoice-1",
      html: "<p>hi</p>",
    });
    expect(first?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("records what was attached and where it is kept, never the bytes", async () => {
    const document = "<!doctype html><p>Invoice Invoice-1 \u{1f9fe}</p>";
    await captureTransport(db).send(
      mail({
        idempotencyKey: "with-attachment",
        attachments: [
          {
            filename: "Invoice-1.html",
            contentType: "text/html; charset=utf-8",
            content: document,
            storageKey: "invoices/Invoice-1.html",
          },
        ],
      }),
    );
    const rows = await db.select().from(schema.mails);
    const row = rows.find((r) => r.idempotencyKey === "with-attachment");
    expect(row?.attachments).toEqual([
      {
        filename: "Invoice-1.html",
        contentType: "text/html; charset=utf-8",
        bytes: new TextEncoder().encode(document).byteLength,
        storageKey: "invoices/Invoice-1.html",
      },
    ]);
    expect(JSON.stringify(row)).not.toContain("<!doctype");
  });

  it("is what MAIL_TRANSPORT=capture selects", async () => {
    await mailTransportFromEnv(env).send(mail({ idempotencyKey: "from-env" }));
    const rows = await db.select().from(schema.mails);
    expect(rows.some((r) => r.idempotencyKey === "from-env")).toBe(true);
  });
});

describe("http transport", () => {
  const options = {
    url: "https://mail.example/v1/send",
    apiKey: "key-123",
    from: "Shop <billing@shop.example>",
  };

  it("posts the mail as JSON with the API key and the idempotency key", async () => {
    const req = buildProviderRequest(options, mail());
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://mail.example/v1/send");
    expect(req.headers.get("authorization")).toBe("Bearer key-123");
    expect(req.headers.get("idempotency-key")).toBe("Invoice-1");
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(await req.json()).toEqual({
      from: "Shop <billing@shop.example>",
      to: ["ada@example.com"],
      bcc: ["books@shop.example"],
      subject: "Invoice: Invoice-1",
      html: "<p>hi</p>",
    });
  });

  it("sends attachments base64-encoded, as Resend's API takes them", async () => {
    const document = "<!doctype html><p>Rechnung \u{1f9fe} über 12,00 €</p>";
    const req = buildProviderRequest(
      options,
      mail({
        attachments: [
          {
            filename: "Invoice-1.html",
            contentType: "text/html; charset=utf-8",
            content: document,
            storageKey: "invoices/Invoice-1.html",
          },
        ],
      }),
    );
    const body = (await req.json()) as {
      attachments: { filename: string; content: string; content_type: string }[];
    };
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]).toMatchObject({
      filename: "Invoice-1.html",
      content_type: "text/html; charset=utf-8",
    });
    // The bytes of the UTF-8 document, decoded the way the provider will.
    const decoded = Uint8Array.from(atob(body.attachments[0]?.content ?? ""), (c) =>
      c.charCodeAt(0),
    );
    expect(new TextDecoder().decode(decoded)).toBe(document);
    expect(JSON.stringify(body)).not.toContain("storageKey");
  });

  it("throws with the status when the provider does not accept the mail", async () => {
    // A provider that is over quota: a real (if tiny) HTTP handler, no network needed.
    const overQuota = async () => new Response("daily quota exceeded", { status: 429 });
    const transport = httpTransport({ ...options, fetch: overQuota });
    await expect(transport.send(mail())).rejects.toThrow(/429: daily quota exceeded/);
    const accepting = async () => new Response(null, { status: 202 });
    await expect(httpTransport({ ...options, fetch: accepting }).send(mail())).resolves.toBe(
      undefined,
    );
  });

  it("is refused when MAIL_TRANSPORT=http lacks its settings, or names an unknown transport", () => {
    expect(() =>
      mailTransportFromEnv({ ...env, MAIL_TRANSPORT: "http" } as unknown as Env),
    ).toThrow(/MAIL_API_URL/);
    expect(() =>
      mailTransportFromEnv({
        ...env,
        MAIL_TRANSPORT: "http",
        MAIL_API_URL: "https://mail.example",
        MAIL_API_KEY: "k",
      } as unknown as Env),
    ).not.toThrow();
    expect(() =>
      mailTransportFromEnv({ ...env, MAIL_TRANSPORT: "smtp" } as unknown as Env),
    ).toThrow(/capture or http/);
  });
});
