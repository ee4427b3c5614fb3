import type { z } from 'zod';

/**
 * Validate a configuration against its zod schema, failing with one line per bad key, each
 * named under `prefix` (`edge.batch.intervalMs: …`), so an operator can fix it at once.
 */
export function parseConfig<Schema extends z.ZodType>(schema: Schema, input: unknown, prefix: string): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map(
      (issue) => `  ${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`,
    );
    throw new Error(`invalid ${prefix} configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
