/**
 * The /docs page: one self-contained HTML file (no CDN, no external script, font or style) that
 * fetches /openapi.json from the same server and lists the operations by tag, with their
 * parameters, bodies and answers as JSON Schema.
 */
export const docsPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fieldproof API</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1b1f24; }
h1 { margin-bottom: 0; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .25rem; margin-top: 2rem; }
details { border: 1px solid #d0d7de; border-radius: 6px; margin: .4rem 0; padding: .3rem .6rem; }
summary { cursor: pointer; } code, pre { font: 13px ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .5rem; overflow: auto; max-height: 24rem; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; }
.get { color: #0969da; } .post { color: #1a7f37; } .put, .patch { color: #9a6700; } .delete { color: #cf222e; }
.muted { color: #57606a; }
</style>
</head>
<body>
<h1>Fieldproof API</h1>
<p class="muted" id="intro">Loading <a href="/openapi.json">/openapi.json</a>…</p>
<main id="operations"></main>
<script>
(async () => {
  const element = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  };
  const json = (value) => element('pre', {}, JSON.stringify(value, null, 2));
  const spec = await (await fetch('/openapi.json')).json();
  document.getElementById('intro').textContent =
    spec.info.description + ' OpenAPI ' + spec.openapi + ', API version ' + spec.info.version + '.';
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const tag = (operation.tags && operation.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, operation });
    }
  }
  const main = document.getElementById('operations');
  for (const [tag, operations] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
    main.append(element('h2', {}, tag));
    for (const { path, method, operation } of operations) {
      const details = element(
        'details',
        { id: operation.operationId },
        element('summary', {}, element('span', { class: 'method ' + method }, method.toUpperCase()), element('code', {}, path), ' — ', operation.summary),
      );
      details.append(element('p', { class: 'muted' }, 'operationId ', element('code', {}, operation.operationId),
        operation.security && operation.security.length ? ' · auth: ' + Object.keys(operation.security[0]).join(', ') : ' · no auth'));
      if (operation.description) details.append(element('p', {}, operation.description));
      if (operation.parameters && operation.parameters.length) {
        details.append(element('h4', {}, 'Parameters'));
        const list = element('ul');
        for (const parameter of operation.parameters) {
          list.append(element('li', {}, element('code', {}, parameter.name), ' (' + parameter.in + (parameter.required ? ', required' : '') + ') ', element('code', { class: 'muted' }, JSON.stringify(parameter.schema))));
        }
        details.append(list);
      }
      if (operation.requestBody) {
        details.append(element('h4', {}, 'Body'));
        for (const [type, content] of Object.entries(operation.requestBody.content)) details.append(element('p', {}, type), json(content.schema));
      }
      details.append(element('h4', {}, 'Responses'));
      for (const [status, response] of Object.entries(operation.responses)) {
        const content = response.content ? Object.values(response.content)[0] : undefined;
        const schema = content && content.schema && content.schema.$ref ? undefined : content && content.schema;
        details.append(element('p', {}, element('b', {}, status), ' ', response.description));
        if (schema && Object.keys(schema).length) details.append(json(schema));
      }
      main.append(details);
    }
  }
  main.append(element('h2', {}, 'Error'), json(spec.components.schemas.Error));
})().catch((error) => { document.getElementById('intro').textContent = 'Could not load /openapi.json: ' + error; });
</script>
</body>
</html>
`;
