/** The answers and requests, as the agent's zod schemas define them (`@tillpoint/protocol`). */
export type {
  AgentEventMessage,
  ApiError,
  ApiErrorCode,
  CancelAnswer,
  CancelRequest,
  CancelSaleRequest,
  CardInfo,
  CommitRequestInput,
  EnrolRequest,
  Health,
  QuoteAnswer,
  QuoteRequestInput,
  RecentSalesAnswer,
  ReserveAnswer,
  ReserveRequestInput,
  ReturnAnswer,
  ReturnRequest,
  SaleAnswer,
  ShiftAnswer,
  SlipAnswer,
} from '@tillpoint/protocol';
export * from './pos-client';
