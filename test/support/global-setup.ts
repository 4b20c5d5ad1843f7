import { connect as amqpConnect } from 'amqplib';
import { MongoClient } from 'mongodb';
import { join } from 'node:path';
import { testServiceUrls } from './services';
import { startDatabaseList } from './test-databases';

/**
 * Integration tests run on the real RabbitMQ and a MongoDB-compatible server (FerretDB here).
 * `npm test` starts them through scripts/services.sh (pretest); this only checks they answer,
 * so a missing service fails fast with a clear message instead of 60 s timeouts.
 */
export default async function globalSetup(): Promise<void> {
  const { mongodbUri, rabbitmqUrl } = testServiceUrls();
  startDatabaseList(join(__dirname, '..', '..', '.run', `test-databases-${process.pid}.txt`));
  const mongo = new MongoClient(mongodbUri, { serverSelectionTimeoutMS: 5000 });
  try {
    await mongo.db('admin').command({ ping: 1 });
  } catch (error) {
    throw new Error(`MongoDB/FerretDB is not reachable at ${mongodbUri} (run: bash scripts/services.sh): ${String(error)}`);
  } finally {
    await mongo.close();
  }
  try {
    const connection = await amqpConnect(rabbitmqUrl);
    await connection.close();
  } catch (error) {
    throw new Error(`RabbitMQ is not reachable at ${rabbitmqUrl} (run: bash scripts/services.sh): ${String(error)}`);
  }
}
