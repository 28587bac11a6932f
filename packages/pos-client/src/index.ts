/** The answers and requests, as the agent's zod schemas define them (`@tillpoint/protocol`). */
export type {
  AgentEventMessage,
  ApiError,
  ApiErrorCode,
  CancelAnswer,
  CancelRequest,
  CardInfo,
  CommitRequestInput,
  EnrolRequest,
  Health,
  QuoteAnswer,
  QuoteRequestInput,
  ReserveAnswer,
  ReserveRequestInput,
  ReturnAnswer,
  ReturnRequest,
  SaleAnswer,
  SlipAnswer,
} from '@tillpoint/protocol';
export * from './pos-client';
