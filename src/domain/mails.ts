import { z } from "zod";

/** Mails the `capture` transport keeps in D1 (local development and tests): `mails.list`. */

/** An attachment as the capture transport records it. */
export const capturedAttachment = z.object({
  filename: z.string(),
  contentType: z.string(),
  bytes: z.number().int(),
  /** Where the bytes are kept (an R2 key of INVOICE_DOCUMENTS), if anywhere. */
  storageKey: z.string().nullable(),
});
export interface CapturedAttachment extends z.infer<typeof capturedAttachment> {}

export const capturedMail = z.object({
  id: z.number().int(),
  /** The sender's idempotency key: a repeated send with the same key is stored once. */
  idempotencyKey: z.string(),
  to: z.string(),
  bcc: z.array(z.string()),
  subject: z.string(),
  html: z.string(),
  /** What was attached (name, type, size, where the bytes are kept), never the bytes. */
  attachments: z.array(capturedAttachment),
  createdAt: z.string(),
});
export interface CapturedMail extends z.infer<typeof capturedMail> {}

export const mailList = z.object({ mails: z.array(capturedMail) });
export interface MailList extends z.infer<typeof mailList> {}
