import { ledgerStoreContract } from './ledger-store-contract';
import { tempLedger } from './temp-ledger';

// On a real file (WAL, synchronous=FULL) in a fresh temp folder per test.
ledgerStoreContract('SqliteLedgerStore', () => tempLedger());
