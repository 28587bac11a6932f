import { printerConfigSchema } from '@tillpoint/printer';
import { receiptTemplateSchema } from '@tillpoint/receipt';
import { cardRangesSchema, scannerConfigSchema } from '@tillpoint/scanner';
import { z } from 'zod';
import { cardRangeProblems } from './card-range-check';
import { plainHttpProblem } from './head-office-url';

/**
 * The agent's one config file (YAML or JSON). Every default lives here; `tillpoint init`
 * writes a commented starter. Relative paths are resolved against the config file's folder.
 */
export const agentConfigSchema = z.strictObject({
  storeId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, - and _ (up to 32), e.g. "msk-014"'),
  tillId: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, - and _ (up to 32), e.g. "msk-014-t2"'),
  /** Printed on the loyalty slip. */
  storeName: z.string().min(1).max(64).optional(),
  /** Language of the slip and the companion page. */
  language: z.enum(['en', 'ru']).default('en'),
  /** The loyalty program file (JSON), as head office publishes it. */
  program: z.string().min(1, 'the path of the program JSON file, e.g. "program.json"'),
  /** Where till.sqlite, its backups and the agent's state live. */
  dataDir: z.string().min(1).default('./data'),
  api: z
    .strictObject({
      /** The local API listens on 127.0.0.1 only, on this port. */
      port: z.number().int().min(1).max(65535).default(8787),
      /** Bearer token the POS sends; keep this file readable by the agent only (mode 0600). */
      token: z.string().min(24, 'at least 24 characters: `tillpoint init` writes a random one'),
      /** Largest request body accepted, bytes. */
      bodyBytesMax: z
        .number()
        .int()
        .min(1024)
        .max(4 * 1024 * 1024)
        .default(256 * 1024),
      /** Event stream clients at once. */
      eventClientsMax: z.number().int().min(1).max(64).default(8),
      /** A sale may be cancelled (taken back whole) this long after it was booked; later, a return. */
      cancelWindowSeconds: z.number().int().min(0).max(3_600).default(300),
    })
    .strict(),
  /** Which codes are loyalty cards (prefix, length, check digit): tells them from products offline. */
  cardRanges: cardRangesSchema.default([]).superRefine((ranges, ctx) => {
    for (const problem of cardRangeProblems(ranges))
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }),
  scanners: z.array(scannerConfigSchema).max(8).default([]),
  /** The loyalty printer; leave out when the POS prints the slip text itself. */
  printer: printerConfigSchema.optional(),
  receipt: z
    .strictObject({
      template: receiptTemplateSchema.optional(),
      /** Print the slip as soon as a sale commits. */
      printAfterSale: z.boolean().default(true),
    })
    .default({ printAfterSale: true }),
  holds: z
    .strictObject({
      /** How long a reservation lives when the POS does not say. */
      ttlSecondsDefault: z.number().int().min(5).max(3600).default(300),
    })
    .default({ ttlSecondsDefault: 300 }),
  headOffice: z
    .strictObject({
      url: z.url({ error: 'a URL such as https://loyalty.example.com' }),
      /** A lab without TLS: let the till talk plain HTTP to a head office that is not on this machine. */
      allowPlainHttp: z.boolean().default(false),
      /** Written by `tillpoint enrol-hub` (mode 0600); relative to dataDir. */
      credentialFile: z.string().min(1).default('hub-credential.json'),
      /** Sync every this many seconds while online (and right after each sale). */
      intervalSeconds: z.number().int().min(1).max(3600).default(5),
      /** Longest wait between attempts while head office is unreachable (exponential backoff with jitter). */
      backoffMaxSeconds: z.number().int().min(1).max(3600).default(60),
      requestTimeoutSeconds: z.number().int().min(1).max(300).default(15),
      /** Bounds of one push: entries (head office accepts at most 500) and bytes of JSON. */
      batchEntriesMax: z.number().int().min(1).max(500).default(500),
      batchBytesMax: z.number().int().min(10_000).max(1_000_000).default(900_000),
      /** Warn (sync state `behind`) when this many entries wait, or the data disk has less free space. */
      pendingWarn: z.number().int().min(1).default(50_000),
      diskFreeWarnMb: z.number().int().min(1).default(500),
      /** Stricter local limits on offline spending than head office's (the smaller of the two applies). */
      offline: z
        .strictObject({
          maxSyncAgeMinutes: z.number().int().min(0).max(43_200).optional(),
          perCardCap: z.number().int().min(0).optional(),
          tillTotalCap: z.number().int().min(0).optional(),
        })
        .default({}),
    })
    .superRefine((office, ctx) => {
      const problem = plainHttpProblem(office.url, office.allowPlainHttp);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    })
    .optional(),
  /** The cashier companion page at http://127.0.0.1:<api.port>/; its language is `language`. */
  page: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How amounts and dates are written, a BCP 47 locale such as "ru-RU"; by default from `language`. */
      locale: z
        .string()
        .min(2)
        .max(35)
        .refine((tag) => {
          try {
            return Intl.getCanonicalLocales(tag).length === 1;
          } catch {
            return false;
          }
        }, 'a locale such as "ru-RU" or "en-GB"')
        .optional(),
    })
    .default({ enabled: true }),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .default({ level: 'info' }),
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
