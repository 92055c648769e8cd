#!/usr/bin/env node
// Prints a fresh Standard Webhooks secret (`whsec_` + base64 of 32 random bytes), for
// ERP_WEBHOOK_SECRET or ERP_EXPORT_SECRET:
//   npm run -s erp:secret
//   npm run -s erp:secret | npx wrangler secret put ERP_EXPORT_SECRET
import { randomBytes } from "node:crypto";

process.stdout.write(`whsec_${randomBytes(32).toString("base64")}\n`);
