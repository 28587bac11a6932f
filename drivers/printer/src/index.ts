export { DeviceFilePrinter, type DeviceFilePrinterOptions } from './device-file-printer';
export { MockPrinterTransport } from './mock-printer-transport';
export {
  type EnqueueRefusal,
  type PrinterState,
  type PrintJob,
  type PrintJobState,
  PrintQueue,
  type PrintQueueEvents,
  type PrintQueueOptions,
} from './print-queue';
export {
  createTransport,
  type PrinterConfig,
  type PrinterConfigInput,
  printerConfigSchema,
} from './printer-config';
export { PrinterError, type PrinterErrorCode, printerErrorCodes } from './printer-error';
export {
  blockingProblem,
  isStatusByte,
  type PrinterStatus,
  parseStatus,
  type SimulatedCondition,
  simulatedStatusByte,
  statusRequests,
} from './printer-status';
export type { PrinterTransport } from './printer-transport';
export { queryStatus } from './query-status';
export { SerialPrinter, type SerialPrinterOptions } from './serial-printer';
export { StatusResponder, type VirtualCondition } from './status-responder';
export { TcpPrinter, type TcpPrinterOptions } from './tcp-printer';
export {
  startVirtualPrinter,
  type VirtualConnection,
  VirtualPrinter,
  type VirtualPrinterOptions,
} from './virtual-printer';
