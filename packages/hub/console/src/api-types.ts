/** The admin API's answer shapes, as the hub's zod schemas define them (types only: nothing is bundled). */
export type { PublicUser, SessionInfo } from '../../src/admin/admin-api-schemas';

import type { z } from 'zod';
import type { auditEntrySchema } from '../../src/admin/admin-api-schemas';

export type AuditEntry = z.infer<typeof auditEntrySchema>;
