/**
 * Zod schemas of the HTTP API, shared by request validation and the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';
import { upgradeJsonSchema } from '../upgrades/upgrade-schema.js';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_upgrade' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

/** The 401 and 403 answers every bearer-protected route documents. */
export const authErrorResponses = {
  401: { description: 'Missing or unknown bearer token', content: { 'application/json': { schema: ErrorSchema } } },
  403: { description: 'The token lacks the role', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

export const UpgradeIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\s/]+$/)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'dten-2026.04' }),
});

/** upgrade.json (CONTRACT §4): the same schema `analyze` validates files with. */
export const UpgradeDocumentSchema = upgradeJsonSchema;

export const UpgradeSummarySchema = z
  .object({
    id: z.string(),
    package: z.string().nullable(),
    startedAt: z.string(),
    registeredAt: z.string(),
    binaries: z.number().int(),
    changedBinaries: z.number().int(),
  })
  .openapi('UpgradeSummary');

/** The report of CONTRACT §5 (documented loosely here; the analyze report is the reference). */
export const ReportSchema = z
  .object({
    upgrade: z.string(),
    generatedAt: z.string(),
    windows: z.object({ baseline: z.object({ start: z.string(), end: z.string() }), after: z.object({ start: z.string(), end: z.string() }) }),
    groups: z.array(z.object({ signal: z.string(), labels: z.record(z.string(), z.string()), verdict: z.enum(['regression', 'improvement', 'no_change', 'inconclusive']) }).passthrough()),
    summary: z.object({ groups: z.number(), regressions: z.number(), improvements: z.number(), inconclusive: z.number() }).passthrough(),
    warnings: z.array(z.string()),
  })
  .passthrough()
  .openapi('Report');
