import { z } from 'zod';
import type { AdminUser, AuditEntry } from './admin-store';
import { passwordCharsMax } from './password-hash';
import { permissions, roles } from './roles';

/** Request and answer bodies of the admin API: the one source of the types and the OpenAPI document. */
export const roleSchema = z.enum(roles);
export const storeIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a store id: letters, digits, . _ -');
export const loginSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9._@-]{2,64}$/, 'a login is 2–64 of a-z 0-9 . _ @ -');
const passwordSchema = z
  .string()
  .min(1)
  .max(passwordCharsMax * 4);
const displayNameSchema = z.string().trim().min(1).max(120);
const storesSchema = z.array(storeIdSchema).max(200);
const codeSchema = z.string().regex(/^\d{6}$/, 'six digits from the authenticator app');
const iso = z.string().describe('ISO 8601 date and time (UTC)');

export const errorBodySchema = z.object({ code: z.string(), message: z.string() });

export const publicUserSchema = z.object({
  id: z.string(),
  login: z.string(),
  displayName: z.string(),
  role: roleSchema,
  stores: z.array(z.string()),
  disabled: z.boolean(),
  totpEnabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: iso,
  updatedAt: iso,
});
export type PublicUser = z.infer<typeof publicUserSchema>;

/** A user as the API shows it: never the password hash or the TOTP key. */
export function publicUser(u: AdminUser): PublicUser {
  return {
    id: u.id,
    login: u.login,
    displayName: u.displayName,
    role: u.role,
    stores: u.stores,
    disabled: u.disabled,
    totpEnabled: u.totpEnabled,
    mustChangePassword: u.mustChangePassword,
    createdAt: new Date(u.createdAt).toISOString(),
    updatedAt: new Date(u.updatedAt).toISOString(),
  };
}

export const signInRequestSchema = z.strictObject({ login: loginSchema, password: passwordSchema });
export const totpRequestSchema = z.strictObject({ code: codeSchema });

export const sessionInfoSchema = z.object({
  stage: z.literal('active'),
  user: publicUserSchema,
  permissions: z.array(z.enum(permissions)),
  /** Echo it in `X-CSRF-Token` on every write. */
  csrfToken: z.string(),
  expiresAt: iso,
  idleMinutes: z.number().int(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const signInResponseSchema = z.union([sessionInfoSchema, z.object({ stage: z.literal('totp') })]);

export const changeOwnPasswordSchema = z.strictObject({
  currentPassword: passwordSchema,
  newPassword: passwordSchema,
});

export const totpEnrolmentSchema = z.object({
  /** base32, to type into the authenticator app. */
  secret: z.string(),
  /** otpauth:// URI, for apps that take one. */
  uri: z.string(),
});

export const createUserSchema = z.strictObject({
  login: loginSchema,
  displayName: displayNameSchema.optional(),
  role: roleSchema,
  stores: storesSchema.default([]),
  password: passwordSchema,
});

export const updateUserSchema = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    role: roleSchema.optional(),
    stores: storesSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'name at least one field to change');

export const resetPasswordSchema = z.strictObject({ password: passwordSchema });

export const userIdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

export const usersResponseSchema = z.object({ users: z.array(publicUserSchema) });
export const userResponseSchema = z.object({ user: publicUserSchema });
export const okSchema = z.object({ ok: z.literal(true) });

const instant = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z')
  .transform((s) => Date.parse(s));

export const auditFilterSchema = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  actor: loginSchema.optional(),
  action: z
    .string()
    .regex(
      /^[a-z_]{1,40}(\.[a-z_]{1,40}){0,3}\.?$/,
      'an action such as users.create, or an area such as users.',
    )
    .optional(),
});

export const auditListQuerySchema = auditFilterSchema.extend({
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const auditEntrySchema = z.object({
  seq: z.number().int(),
  at: iso,
  actor: z.string().nullable(),
  actorRole: roleSchema.nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['done', 'refused']),
  before: z.unknown(),
  after: z.unknown(),
  address: z.string().nullable(),
  note: z.string().nullable(),
});

export function publicAuditEntry(e: AuditEntry): z.infer<typeof auditEntrySchema> {
  return { ...e, at: new Date(e.at).toISOString() };
}

export const auditListResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.number().int().nullable(),
});
