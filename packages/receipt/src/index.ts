export { barcodeBitmap } from './barcode-bitmap';
export { type Bitmap, createBitmap, getDot } from './bitmap';
export { bitmapToPng } from './bitmap-png';
export {
  type CodePageName,
  canPrint,
  codePageNames,
  decodeText,
  encodeText,
  type ReceiptLanguage,
  toPrintable,
} from './code-page';
export { type EarnedReasons, earnedReason, type ReasonLike } from './earned-reason';
export { barcodeTypes, escpos } from './escpos-commands';
export { collectRasterImages, type EscposOp, readEscpos } from './escpos-reader';
export { chooseCodePage, rasterBandRowsMax, renderEscpos } from './escpos-target';
export { type EscposTextOptions, escposTextLines } from './escpos-text';
export { formatAmount, formatDate, formatPoints, formatTime, inTimeZone } from './format-values';
export { type Align, buildLayout, type Layout, type LayoutNode } from './layout';
export { maskCardNumber } from './mask-card-number';
export { type PreviewOptions, previewHeightDotsMax, renderPreviewPng } from './preview';
export { getPrinterProfile, listPrinterProfiles, type PrinterProfile } from './printer-profile';
export {
  printableLayout,
  type RenderedSlip,
  type RenderOptions,
  renderSlip,
  renderSlipText,
} from './render-slip';
export {
  type Coupon,
  type CouponSymbology,
  couponSchema,
  couponSymbologies,
  isValidEan13,
  type LoyaltySlip,
  type LoyaltySlipInput,
  loyaltySlipSchema,
  slipMoreOffersMax,
  slipRewardsMax,
  slipWonMax,
} from './slip-schema';
export {
  type BlockId,
  blockIds,
  defaultTemplate,
  type ReceiptTemplate,
  type ReceiptTemplateInput,
  receiptTemplateSchema,
} from './template-schema';
export { renderTextLines } from './text-target';
export { defaultPhrases, type PhraseKey, phrasePlaceholders } from './wording';
