/** POST JSON to the cloud (with the admin token when given); throws with the status and body on a non-2xx answer. */
export async function postJson(url: string, body: unknown, adminToken?: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
}
