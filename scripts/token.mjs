#!/usr/bin/env node
// Mints a bearer token for local calls:
//   TOKEN=$(npm run -s token -- --role backoffice --sub alice [--ttl 3600])
// Prints only the token on stdout so it can be captured; messages go to stderr.
import { fail, parseCli, signToken } from "./env.mjs";

const roles = ["customer", "checkout", "backoffice", "support"];
// TOKEN_MAX_TTL's default in wrangler.toml: a longer-lived token would be refused.
const MAX_TTL_SECONDS = 24 * 60 * 60;
const usage = `usage: npm run -s token -- --role <${roles.join("|")}> --sub <subject> [--ttl <seconds>]

  --role  what the token may do (customer: own orders; checkout: places orders; backoffice: all;
          support: reads everything staff read and adds notes, changes nothing)
  --sub   who it is; for a customer, the customer reference
  --ttl   lifetime in seconds (default 3600, at most 86400: the worker refuses tokens that live
          longer than TOKEN_MAX_TTL, default 24 hours)

The secret is $JWT_SECRET, else JWT_SECRET from .dev.vars, else from .dev.vars.example.`;

const values = parseCli(
  {
    role: { type: "string" },
    sub: { type: "string" },
    ttl: { type: "string", default: "3600" },
  },
  usage,
);
if (!values.role || !roles.includes(values.role)) {
  fail(
    `--role must be one of ${roles.join(", ")} (got ${values.role ? `"${values.role}"` : "nothing"})\n${usage}`,
    2,
  );
}
// The worker accepts subjects of 1..100 characters; refuse here rather than mint a useless token.
if (!values.sub || values.sub.length > 100) fail(`--sub must be 1 to 100 characters\n${usage}`, 2);
if (!/^[1-9]\d*$/.test(values.ttl) || Number(values.ttl) > MAX_TTL_SECONDS)
  fail(`--ttl must be 1 to ${MAX_TTL_SECONDS} seconds\n${usage}`, 2);

const token = await signToken({
  role: values.role,
  sub: values.sub,
  ttlSeconds: Number(values.ttl),
});
process.stdout.write(`${token}\n`);
