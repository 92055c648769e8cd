#!/usr/bin/env node
// A one-time sign-in link for the local back office (`npm run dev`):
//   npm run -s sign-in                     # for http://127.0.0.1:${PORT:-8787}
//   npm run -s sign-in -- --url http://127.0.0.1:8790 --sub alice
//   npm run -s sign-in -- --role support --sub sam    # read-only staff: reads and notes
// Prints only the link on stdout. It works once, within five minutes.
import { fail, parseCli, signInLink } from "./env.mjs";

const usage = `usage: npm run -s sign-in [-- --url <service url>] [--sub <you>] [--role <role>]

  --url   default http://127.0.0.1:\${PORT:-8787} (npm run dev)
  --sub   who signs in (default dev)
  --role  backoffice (default: does everything) or support (reads and adds notes only)

The link carries a one-time code (valid once, for five minutes), never a token. The request for
it is signed with $JWT_SECRET, else JWT_SECRET from .dev.vars, else .dev.vars.example.`;
const values = parseCli(
  {
    url: { type: "string" },
    sub: { type: "string", default: "dev" },
    role: { type: "string", default: "backoffice" },
  },
  usage,
);
const url = (values.url ?? `http://127.0.0.1:${process.env.PORT || 8787}`).replace(/\/$/, "");
if (!values.sub || values.sub.length > 100) fail(`--sub must be 1 to 100 characters\n${usage}`, 2);
if (values.role !== "backoffice" && values.role !== "support")
  fail(`--role must be backoffice or support\n${usage}`, 2);
try {
  process.stdout.write(`${await signInLink({ url, sub: values.sub, role: values.role })}\n`);
} catch (error) {
  fail(`${error.message}; is the service running (npm run dev)?`);
}
