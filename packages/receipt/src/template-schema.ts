import { z } from 'zod';
import { type PhraseKey, phrasePlaceholders, placeholdersIn } from './wording';

/** The blocks a loyalty section is made of; a template picks some and orders them. */
export const blockIds = [
  'title',
  'store',
  'card',
  'earned',
  'spent',
  'balance',
  'pending',
  'expiring',
  'tier',
  'won',
  'offer',
  'coupon',
  'footer',
] as const;
export type BlockId = (typeof blockIds)[number];

const phraseKeys = Object.keys(phrasePlaceholders) as PhraseKey[];

const phraseOverridesSchema = z
  .partialRecord(z.enum(phraseKeys as [PhraseKey, ...PhraseKey[]]), z.string().min(1).max(200))
  .superRefine((phrases, ctx) => {
    for (const [key, phrase] of Object.entries(phrases)) {
      const allowed: readonly string[] = phrasePlaceholders[key as PhraseKey];
      for (const name of placeholdersIn(phrase ?? '')) {
        if (!allowed.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `unknown placeholder {${name}}; "${key}" may use ${allowed.length === 0 ? 'none' : allowed.map((a) => `{${a}}`).join(', ')}`,
          });
        }
      }
    }
  });

/** A program's receipt template: which blocks, their order, the wording, the language. */
export const receiptTemplateSchema = z.strictObject({
  blocks: z
    .array(z.enum(blockIds))
    .min(1)
    .max(blockIds.length)
    .refine((blocks) => new Set(blocks).size === blocks.length, 'each block may appear once')
    .default([...blockIds]),
  /** Print in this language whatever the slip says; absent: the slip's language. */
  language: z.enum(['en', 'ru']).optional(),
  /** Phrase overrides per language; see `defaultPhrases` for the keys and placeholders. */
  wording: z
    .strictObject({ en: phraseOverridesSchema.optional(), ru: phraseOverridesSchema.optional() })
    .default({}),
  /** `native`: `GS k` / `GS ( k` when the profile has them, raster otherwise. `raster`: always raster. */
  codes: z.enum(['native', 'raster']).default('native'),
  /** Lines fed after the section, before the cut. */
  feedLines: z.number().int().min(0).max(10).default(3),
  cut: z.boolean().default(true),
});
export type ReceiptTemplate = z.infer<typeof receiptTemplateSchema>;
export type ReceiptTemplateInput = z.input<typeof receiptTemplateSchema>;

/** Every block, in the default order, default wording, codes native where possible. */
export const defaultTemplate: ReceiptTemplate = receiptTemplateSchema.parse({});
