/** Check-digit schemes a card range may require. */
export const checkSchemes = ['ean13', 'ean8', 'upca', 'luhn', 'none'] as const;
export type CheckScheme = (typeof checkSchemes)[number];

const gs1Lengths: Record<'ean13' | 'ean8' | 'upca', number> = { ean13: 13, ean8: 8, upca: 12 };
const digitsOnly = /^[0-9]+$/;

/** GS1 mod-10 check digit of `body` (the digits without the check digit): weights 3,1 from the right. */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** Luhn (ISO/IEC 7812) check over the whole number, check digit last. */
export function luhnValid(code: string): boolean {
  if (code.length < 2 || !digitsOnly.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < code.length; i++) {
    let digit = code.charCodeAt(code.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** True when `code` is well-formed for the scheme and its check digit is right. */
export function hasValidCheckDigit(code: string, scheme: CheckScheme): boolean {
  switch (scheme) {
    case 'none':
      return true;
    case 'luhn':
      return luhnValid(code);
    case 'ean13':
    case 'ean8':
    case 'upca': {
      if (code.length !== gs1Lengths[scheme] || !digitsOnly.test(code)) return false;
      return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
    }
  }
}
