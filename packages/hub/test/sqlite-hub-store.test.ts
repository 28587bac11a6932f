import { SqliteHubStore } from '../src/sqlite-hub-store';
import { hubStoreContract } from './store-contract';

hubStoreContract('SQLite', async () => new SqliteHubStore(':memory:'));
