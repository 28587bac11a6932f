/** The admin API's answer shapes, as the hub's zod schemas define them (types only: nothing is bundled). */
export type { PublicUser, SessionInfo } from '../../src/admin/admin-api-schemas';

import type { z } from 'zod';
import type { auditEntrySchema } from '../../src/admin/admin-api-schemas';

export type AuditEntry = z.infer<typeof auditEntrySchema>;

import type { AdjustmentRequest } from '../../src/admin/cards/adjustment-request';
import type { CardView, Movement, SaleLineView } from '../../src/admin/cards/card-view';
import type { Report } from '../../src/reports/report-shape';

/** A correction as the API answers it (times as ISO text). */
export type Adjustment = Omit<AdjustmentRequest, 'requestedAt' | 'decidedAt'> & {
  requestedAt: string;
  decidedAt: string | null;
};
export interface CardAnswer {
  card: CardView;
  movements: { movements: Movement[]; next: string | null };
  adjustments: Adjustment[];
}
export interface ConsoleSettingsAnswer {
  timeZone: string;
  budgetBp: number;
  approvalThreshold: number;
  supportLimit: number;
  rollupsComplete: boolean;
  myCorrectionLimit: number;
  adjustReasons: string[];
  stores: string[];
  rules: string[];
}
export type { CardView, Movement, Report, SaleLineView };

import type { FraudAlert as StoredAlert } from '../../src/fraud/fraud-alert';

/** An alert as `GET /fraud/alerts` answers it. */
export type FraudAlert = StoredAlert;
