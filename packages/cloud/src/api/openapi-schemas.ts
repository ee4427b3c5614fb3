import { z } from 'zod';

/**
 * The answer schema of a route whose JSON shape is not described field by field yet: any object.
 * Replace it with the real schema when a client needs the fields typed.
 */
export const JsonObjectSchema = z.record(z.string(), z.unknown());
