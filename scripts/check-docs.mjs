#!/usr/bin/env node
// Part of `npm run check`: every relative link in README.md, docs/*.md and test/README.md
// resolves to a file of the repository, and every `#anchor` to a heading of the page it names
// (as GitHub renders them); no link leaves the repository; every page in docs/ is linked from
// the README; test/README.md names every test file. Links in code blocks and code spans are
// text, not links.
//   node scripts/check-docs.mjs
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { projectRoot } from "./env.mjs";

const pages = [
  "README.md",
  "test/README.md",
  ...readdirSync(join(projectRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The page's lines outside fenced code blocks, with code spans blanked (line numbers kept). */
function proseLines(text) {
  let fence = null;
  return text.split("\n").map((line) => {
    const marker = line.match(/^\s*(`{3,}|~{3,})/);
    if (marker) {
      if (fence === null) fence = marker[1];
      else if (marker[1].startsWith(fence)) fence = null;
      return "";
    }
    if (fence !== null) return "";
    return line.replace(/(`+)[\s\S]*?\1/g, (span) => " ".repeat(span.length));
  });
}

/** GitHub's anchor for a heading: its text lowercased, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*]/g, "") // code spans and emphasis marks
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

const anchorsCache = new Map();
/** The anchors of a Markdown file: one per heading, repeated ones numbered as GitHub does. */
function anchorsOf(file) {
  let anchors = anchorsCache.get(file);
  if (anchors) return anchors;
  anchors = new Set();
  const seen = new Map();
  let fence = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const marker = line.match(/^\s*(`{3,}|~{3,})/);
    if (marker) {
      if (fence === null) fence = marker[1];
      else if (marker[1].startsWith(fence)) fence = null;
      continue;
    }
    const heading = fence === null && line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  anchorsCache.set(file, anchors);
  return anchors;
}

const problems = [];
const linkedFromReadme = new Set();

for (const page of pages) {
  const file = join(projectRoot, page);
  const lines = proseLines(readFileSync(file, "utf8"));
  lines.forEach((line, index) => {
    // [text](target) and ![alt](target); a target may carry a "title".
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1] ?? "";
      const where = `${page}:${index + 1}`;
      if (target === "") {
        problems.push(`${where}: an empty link`);
        continue;
      }
      // Other schemes (https:, mailto:) are not files of the repository.
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [pathPart = "", anchor] = target.split("#");
      const path = decodeURIComponent(pathPart);
      const resolved = path === "" ? file : resolve(dirname(file), path);
      const inRepo = relative(projectRoot, resolved);
      if (inRepo.startsWith("..") || inRepo.split(sep)[0] === "..") {
        problems.push(`${where}: ${target} points outside the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        problems.push(`${where}: ${target}: no file ${inRepo}`);
        continue;
      }
      if (page === "README.md") linkedFromReadme.add(inRepo);
      if (anchor === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) {
        problems.push(`${where}: ${target}: an anchor needs a Markdown page`);
        continue;
      }
      if (!anchorsOf(resolved).has(anchor))
        problems.push(`${where}: ${target}: ${inRepo} has no heading #${anchor}`);
    }
  });
}

for (const page of pages.filter((p) => p.startsWith("docs/")))
  if (!linkedFromReadme.has(page)) problems.push(`README.md: no link to ${page}`);

// test/README.md maps every test file to what it proves: each is named there, in backticks.
const testReadme = readFileSync(join(projectRoot, "test", "README.md"), "utf8");
for (const entry of readdirSync(join(projectRoot, "test"), { recursive: true })) {
  const name = String(entry).split(sep).join("/");
  if (/\.(test|spec)\.ts$/.test(name) && !testReadme.includes(`\`${name}\``))
    problems.push(`test/README.md: no row for ${name}`);
}

if (problems.length > 0) {
  process.stderr.write(`docs: ${problems.length} problem(s)\n${problems.join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(
  `docs: ${pages.length} pages, every link resolves, every test file is listed\n`,
);
