// Renders a job summary (Markdown) to an HTML page styled like GitHub's, to look at it:
//   node scripts/render-summary.mjs summary.md summary.html
import { marked } from 'marked';
import { readFileSync, writeFileSync } from 'node:fs';
const md = readFileSync(process.argv[2], 'utf8');
const css = `body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328;max-width:900px;margin:24px}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #d1d9e0;padding:6px 13px}th{font-weight:600;background:#f6f8fa}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:85%;background:#eff1f3;padding:.2em .4em;border-radius:6px}h3,h4{margin:16px 0 8px}`;
writeFileSync(
  process.argv[3],
  `<!doctype html><meta charset="utf-8"><style>${css}</style><div class="markdown-body">${marked.parse(md)}</div>`,
);
