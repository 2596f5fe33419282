// GET …/docs: the OpenAPI document rendered as a plain HTML page of our own. NodePass loads
// Swagger UI from a CDN; this page has no external resources, so it works offline.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function h(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function refName(r: string): string {
  return r.replace('#/components/schemas/', '');
}

/** A short type expression with links to named schemas. */
function typeOf(s: Json | undefined): string {
  if (!s) return 'any';
  if (s.$ref) return `<a href="#schema-${h(refName(s.$ref))}">${h(refName(s.$ref))}</a>`;
  if (s.anyOf) return (s.anyOf as Json[]).map(typeOf).join(' | ');
  if (s.enum) return (s.enum as unknown[]).map((v) => `<code>${h(JSON.stringify(v))}</code>`).join(' | ');
  if (s.type === 'array') return `array of ${typeOf(s.items)}`;
  if (s.type === 'object' && s.additionalProperties && !s.properties) return `map of string → ${typeOf(s.additionalProperties)}`;
  if (s.type === 'integer' || (s.type === 'number' && s.multipleOf === 1)) return 'integer';
  return h(s.type ?? 'any');
}

function constraints(s: Json): string {
  const c: string[] = [];
  if (s.maxLength !== undefined) c.push(`max ${s.maxLength} bytes`);
  if (s.minimum !== undefined) c.push(`≥ ${s.minimum}`);
  if (s.default !== undefined) c.push(`default ${h(JSON.stringify(s.default))}`);
  return c.join(', ');
}

function fieldTable(s: Json): string {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const req = new Set<string>((s.required as string[]) ?? []);
  const rows = Object.entries(props).map(([name, p]) => {
    const inner = p.anyOf ? ((p.anyOf as Json[]).find((x) => x.type !== 'null') ?? p) : p;
    const desc = p.description ?? inner.description ?? '';
    return `<tr><td><code>${h(name)}</code></td><td>${typeOf(p)}</td><td>${req.has(name) ? 'yes' : ''}</td><td>${h(desc)}${constraints(inner) ? ` <span class="c">(${constraints(inner)})</span>` : ''}</td></tr>`;
  });
  if (rows.length === 0) return `<p>${typeOf(s)}</p>`;
  return `<table><thead><tr><th>field</th><th>type</th><th>required</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function mediaSchema(content: Json | undefined): string {
  if (!content) return '';
  return Object.entries(content)
    .map(([type, m]) => `<code>${h(type)}</code> ${typeOf((m as Json).schema)}`)
    .join('<br>');
}

function operation(path: string, method: string, op: Json, shared: Json[]): string {
  const id = `op-${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
  const params = [...shared, ...((op.parameters as Json[]) ?? [])];
  const paramRows = params
    .map((p) => `<tr><td><code>${h(p.name)}</code></td><td>${h(p.in)}</td><td>${typeOf(p.schema)}</td><td>${p.required ? 'yes' : ''}</td><td>${h(p.description ?? '')}</td></tr>`)
    .join('');
  const reqBody = op.requestBody?.content?.['application/json']?.schema;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .map(([code, r]) => `<tr><td><code>${h(code)}</code></td><td>${h(r.description ?? '')}</td><td>${mediaSchema(r.content)}</td></tr>`)
    .join('');
  const open = Array.isArray(op.security) && op.security.length === 0;
  return `<section class="op" id="${id}">
<h3><span class="m m-${h(method)}">${h(method.toUpperCase())}</span> <code>${h(path)}</code>${open ? ' <span class="open">no key needed</span>' : ''}</h3>
<p><b>${h(op.summary ?? '')}</b>${op.description ? ` — ${h(op.description)}` : ''}</p>
${paramRows ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>notes</th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
${reqBody ? `<h4>Request body</h4><p>${typeOf(reqBody)}</p>` : ''}
<h4>Responses</h4><table><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead><tbody>${responses}</tbody></table>
</section>`;
}

export function docsPage(doc: Json): string {
  const base = doc.servers?.[0]?.url ?? '';
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    const shared = (item.parameters as Json[]) ?? [];
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const id = `op-${method}-${path.replace(/[^a-z0-9]+/gi, '-')}`;
      toc.push(`<li><a href="#${id}"><span class="m m-${method}">${method.toUpperCase()}</span> ${h(path)}</a> — ${h(op.summary ?? '')}</li>`);
      ops.push(operation(path, method, op, shared));
    }
  }
  const schemas = Object.entries(doc.components.schemas as Record<string, Json>)
    .map(([name, s]) => `<section class="schema" id="schema-${h(name)}"><h3>${h(name)}</h3>${s.description ? `<p>${h(s.description)}</p>` : ''}${fieldTable(s)}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(doc.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1c2430;background:#f7f8fa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:1px solid #d8dde5;padding-bottom:4px}h3{margin:0 0 6px}h4{margin:14px 0 4px;font-size:14px}
section{background:#fff;border:1px solid #e1e5eb;border-radius:8px;padding:14px 18px;margin:14px 0}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}th{font-weight:600;color:#555}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f0f2f5;padding:1px 4px;border-radius:4px}
.m{display:inline-block;min-width:56px;text-align:center;font:600 12px ui-monospace,monospace;color:#fff;border-radius:4px;padding:2px 6px}
.m-get{background:#2f7dd1}.m-post{background:#2e9d5b}.m-put{background:#c98a1b}.m-patch{background:#8a5cc9}.m-delete{background:#c94040}
.open{font-size:12px;color:#2e9d5b}.c{color:#777}ul.toc{list-style:none;padding:0}ul.toc li{margin:3px 0}a{color:#1d5fae;text-decoration:none}
</style></head>
<body><main>
<h1>${h(doc.info.title)} <small>${h(doc.info.version)}</small></h1>
<p>${h(doc.info.description ?? '')}</p>
<p>Base path: <code>${h(base)}</code> · Authentication: header <code>X-API-Key: &lt;key&gt;</code> · Machine-readable: <a href="${h(base)}/openapi.json">openapi.json</a></p>
<h2>Endpoints</h2><ul class="toc">${toc.join('')}</ul>
${ops.join('\n')}
<h2>Schemas</h2>
${schemas}
</main></body></html>
`;
}
